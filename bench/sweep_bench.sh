#!/usr/bin/env bash
# Sweep throughput in seeds per minute, --jobs 1 against --jobs N (default 2, this
# machine's cores). Each configuration runs REPEATS times (default 3); the median wall time
# counts. The reports of both must be byte-identical, or the benchmark fails.
#   bench/sweep_bench.sh [SEEDS] [JOBS] [REPEATS] [SCENARIO]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-64}"
jobs="${2:-2}"
repeats="${3:-3}"
scenario="${4:-scenarios/payment-outage.yaml}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

median_wall() {  # $1: jobs; prints the median wall seconds of $repeats sweeps
  local walls=()
  for _ in $(seq "$repeats"); do
    local start end
    start=$(date +%s.%N)
    ./build/checkride sweep "$scenario" --seeds "1..$seeds" --jobs "$1" --quiet \
      --out "$out/jobs-$1" || [ $? -eq 1 ]
    end=$(date +%s.%N)
    walls+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
  done
  printf '%s\n' "${walls[@]}" | sort -g | sed -n "$(((repeats + 1) / 2))p"
}

one=$(median_wall 1)
many=$(median_wall "$jobs")
name=$(basename "$scenario" .yaml)
cmp "$out/jobs-1/$name.sweep.json" "$out/jobs-$jobs/$name.sweep.json"
printf 'scenario %s, seeds 1..%s, median of %s\n' "$scenario" "$seeds" "$repeats"
awk -v s="$seeds" -v j="$jobs" -v one="$one" -v many="$many" 'BEGIN {
  printf "--jobs 1: %6.2f s  %8.1f seeds/min\n", one, s * 60 / one
  printf "--jobs %s: %6.2f s  %8.1f seeds/min\n", j, many, s * 60 / many
  printf "speed-up %.2fx (reports byte-identical)\n", one / many
}'
