#!/usr/bin/env bash
# Whole-run benchmark: the flash-sale scenario at N sessions (default 1,000,000), with its
# faults active. Prints sessions/s, events/s and peak RSS from the run's .run.json.
#   bench/whole_run.sh [SESSIONS]
#   bench/whole_run.sh SESSIONS --against OLD_BINARY [--runs K]
#       runs ./build/checkride and OLD_BINARY alternately, K times each (default 3), on the
#       same scenario tree, and prints each run, the medians and the ratio old/new of wall
#       time (above 1: the new binary is faster). Both must print the same fingerprint.
#   bench/whole_run.sh SESSIONS --callgrind [OLD_BINARY]
#       instructions per session under callgrind (noise-free), for the new binary and, when
#       given, the old one.
set -euo pipefail
cd "$(dirname "$0")/.."
sessions="${1:-1000000}"
shift || true
new=./build/checkride
scenario=scenarios/flash-sale-surge.yaml

one_run() {  # binary -> "wall_s rss_kib fingerprint"
  local out
  out="$(mktemp -d)"
  /usr/bin/time -f "%e %M" -o "$out/time" \
    "$1" run "$scenario" --sessions "$sessions" --out "$out" --format json --quiet >/dev/null || true
  local fp
  fp=$(grep -o '"fingerprint": *"[0-9a-f]*"' "$out/flash-sale-surge.json" | grep -o '[0-9a-f]\{8,\}' || echo none)
  echo "$(tail -1 "$out/time") $fp"
  rm -rf "$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

instructions() {  # binary -> instructions per session
  local out
  out="$(mktemp -d)"
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$1" run "$scenario" \
    --sessions "$sessions" --out "$out" --quiet 2>"$out/log" >/dev/null || true
  local total
  total=$(grep -o 'refs: *[0-9,]*' "$out/log" | tr -dc 0-9)
  rm -rf "$out"
  echo "$total $sessions" | awk '{printf "%d instructions, %.0f per session\n", $1, $1 / $2}'
}

case "${1:-}" in
  --against)
    old="$2"
    runs=3
    [ "${3:-}" = "--runs" ] && runs="$4"
    : >/tmp/whole_run.$$.new
    : >/tmp/whole_run.$$.old
    for i in $(seq "$runs"); do
      read -r w m f <<<"$(one_run "$new")"
      echo "run $i new: wall $w s, peak RSS $m KiB, fingerprint $f"
      echo "$w $f" >>/tmp/whole_run.$$.new
      read -r w m f <<<"$(one_run "$old")"
      echo "run $i old: wall $w s, peak RSS $m KiB, fingerprint $f"
      echo "$w $f" >>/tmp/whole_run.$$.old
    done
    new_median=$(cut -d' ' -f1 /tmp/whole_run.$$.new | median)
    old_median=$(cut -d' ' -f1 /tmp/whole_run.$$.old | median)
    if [ "$(cut -d' ' -f2 /tmp/whole_run.$$.new /tmp/whole_run.$$.old | sort -u | wc -l)" != 1 ]; then
      echo "warning: the two binaries printed different fingerprints" >&2
    fi
    rm -f /tmp/whole_run.$$.new /tmp/whole_run.$$.old
    echo "median wall: new $new_median s, old $old_median s; old/new $(echo "$old_median $new_median" | awk '{printf "%.3f", $1 / $2}')x"
    ;;
  --callgrind)
    echo "new: $(instructions "$new")"
    [ -n "${2:-}" ] && echo "old: $(instructions "$2")"
    ;;
  *)
    out="$(mktemp -d)"
    /usr/bin/time -f "wall %e s, peak RSS %M KiB" \
      "$new" run "$scenario" --sessions "$sessions" --out "$out" --quiet || true
    cat "$out/flash-sale-surge.run.json"
    ;;
esac
