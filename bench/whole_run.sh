#!/usr/bin/env bash
# Whole-run benchmark: the flash-sale scenario at N sessions (default 1,000,000), with its
# faults active. Prints sessions/s, events/s and peak RSS from the run's .run.json.
set -euo pipefail
cd "$(dirname "$0")/.."
sessions="${1:-1000000}"
out="$(mktemp -d)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" \
  ./build/checkride run scenarios/flash-sale-surge.yaml --sessions "$sessions" --out "$out" --quiet || true
cat "$out/flash-sale-surge.run.json"
