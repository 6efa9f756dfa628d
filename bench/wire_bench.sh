#!/usr/bin/env bash
# Wire-mode benchmark on loopback (needs wrk, installed by ci/setup):
#   1. wrk against the Stripe-shaped payments fake: create+confirm (one POST with
#      confirm=true, manual capture), keep-alive; requests/s and p99.
#   2. drive against `serve orchestrator` (SQLite store) over the fakes: whole order sagas;
#      confirmed orders/s and drive's request rate.
#   3. The HTTP ceiling of the service: wrk POSTing /v1/actions unsigned (refused with 401,
#      the cheapest path through the same server), to compare with drive's rate in 2.
#   4. drive's own ceiling: drive against bench/action_sink (answers every action at once) at
#      rising session rates; the highest rate held with nothing dropped, compared with wrk
#      POSTing the same /v1/actions body to the same sink.
# Usage: bench/wire_bench.sh [SECONDS] [DRIVE_RATE] [SINK_RATES]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rate="${2:-400}"
sink_rates="${3:-500 1000 1250 1500 2000 3000}"
work="$(mktemp -d)"
export CHECKRIDE_SECRET=bench-secret-0123456789abcdef
export CHECKRIDE_READ_TOKEN=bench-read-token-0123456789abcdef
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

ports=(--payments-port 0 --identity-port 0 --catalog-port 0 --bookings-port 0 --llm-port 0
       --control-port 0)
./build/checkride serve fakes --scenario scenarios/happy-orders.yaml --urls-file "$work/urls.json" \
  "${ports[@]}" > "$work/fakes.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/urls.json" ] && break; sleep 0.05; done
url() { grep "\"$1\"" "$work/urls.json" | sed 's/.*"\(http[^"]*\)".*/\1/'; }

# wrk POSTing one body to URL over 64 keep-alive connections (4 threads):
#   wrk_post URL CONTENT_TYPE BODY [AUTHORIZATION]
wrk_post() {
  local lua="$work/post-$RANDOM.lua"
  {
    echo 'wrk.method = "POST"'
    echo "wrk.body = [[$3]]"
    echo "wrk.headers[\"Content-Type\"] = \"$2\""
    [ -n "${4:-}" ] && echo "wrk.headers[\"Authorization\"] = \"$4\""
  } > "$lua"
  wrk -t4 -c64 -d"${seconds}s" --latency -s "$lua" "$1" | grep -E "Requests/sec|99%|50%|Non-2xx"
}

echo "== payments fake: POST /v1/payment_intents (create+confirm), 4 threads, 64 connections"
wrk_post "$(url payments)/v1/payment_intents" application/x-www-form-urlencoded \
  "amount=2500&currency=usd&capture_method=manual&confirm=true&payment_method=pm_card_visa" \
  "Bearer sk_test_bench"

port=$(( 20000 + RANDOM % 20000 ))
./build/checkride serve orchestrator --port "$port" --store "$work/orchestrator.db" \
  --payments-url "$(url payments)" --identity-url "$(url identity)" \
  --catalog-url "$(url catalog)" --bookings-url "$(url bookings)" > "$work/orch.log" 2>&1 &
pids+=($!)
sleep 0.5
echo "== drive -> serve orchestrator (SQLite WAL) -> fakes: orders-happy sessions at ${rate}/s"
./build/checkride drive --orchestrator "http://127.0.0.1:$port" --control "$(url control)" \
  --scenario scenarios/happy-orders.yaml --rate "$rate" --duration "$seconds" \
  --connections 64 --out "$work/out" --name bench | head -1
confirmed=$(curl -s -H "Authorization: Bearer $CHECKRIDE_READ_TOKEN" "http://127.0.0.1:$port/metrics" | grep 'checkride_actions_total{status="confirmed"}' | awk '{print $2}')
wall=$(grep wall_seconds "$work/out/bench.run.json" | tr -dc '0-9.')
echo "confirmed orders: $confirmed in ${wall}s = $(echo "$confirmed / $wall" | bc -l | cut -c1-7) orders/s"
grep -E "sessions_dropped|achieved" "$work/out/bench.run.json"

echo "== wrk -> serve orchestrator POST /v1/actions unsigned (401 path: the HTTP ceiling)"
wrk_post "http://127.0.0.1:$port/v1/actions" application/json \
  '{"session":"s","user":"user_1","action":"searchCatalog","params":{"query":"x"}}'

echo "== drive -> bench/action_sink: highest session rate held (6 requests/session, 64 connections)"
./build/bench/action_sink "$work/sink.port" > "$work/sink.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/sink.port" ] && break; sleep 0.05; done
sink="http://127.0.0.1:$(cat "$work/sink.port")"
held=""
for r in $sink_rates; do
  ./build/checkride drive --orchestrator "$sink" --control "$(url control)" \
    --scenario bench/drive-ceiling.yaml --rate "$r" --duration "$seconds" --connections 64 \
    --max-lag-ms 100 --out "$work/out" --name "sink-$r" --quiet || true
  dropped=$(grep '"sessions_dropped"' "$work/out/sink-$r.run.json" | tr -dc '0-9')
  rps=$(grep achieved_requests "$work/out/sink-$r.run.json" | tr -dc '0-9.')
  sps=$(grep achieved_sessions "$work/out/sink-$r.run.json" | tr -dc '0-9.')
  echo "  target $r sessions/s: ${sps} sessions/s, ${rps} req/s, dropped $dropped"
  [ "$dropped" = "0" ] && held="$r ($rps req/s)"
done
echo "  highest rate held: ${held:-none}"
echo "== wrk -> bench/action_sink POST /v1/actions (same endpoint)"
wrk_post "$sink/v1/actions" application/json \
  '{"session":"s1","user":"user_1","request_id":1,"action":"searchCatalog","params":{"query":"blue runner"},"idempotency_key":"s1/0/0","payment_method":"pm_1"}'
