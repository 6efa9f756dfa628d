#!/usr/bin/env bash
# Wire-mode benchmark on loopback: each figure beside its anchor, measured in the same run,
# and their ratio. Every process shares this machine's cores, as in CI.
#   1. The payments fake against WireMock 3.13 serving a static stub (warm JVM), on the same
#      create-and-confirm route (POST /v1/payment_intents, confirm=true, manual capture),
#      wrk -t2 -c32, alternating the two; req/s and p99. The fake keeps state and
#      idempotency; WireMock answers a fixed body.
#   2. drive's ceiling against wrk: drive against bench/action_sink (answers every action at
#      once) at rising session rates, the highest held with nothing dropped, then wrk POSTing
#      the same /v1/actions body to the same sink.
#   3. serve orchestrator (SQLite WAL) under drive at DRIVE_RATE sessions/s over the fakes:
#      confirmed orders/s, against the goal of 2,000 durable orders/s.
#   4. The service's HTTP ceiling: wrk POSTing /v1/actions unsigned (the 401 path).
# A step that fails says so and the next one runs; the table at the end has what was
# measured. Java and WireMock come from `./ci/setup --bench`, which this runs.
# Usage: bench/wire_bench.sh [SECONDS] [DRIVE_RATE] [SINK_RATES]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rate="${2:-400}"
sink_rates="${3:-1500 2000 2500 3000 3500 4000}"
work="$(mktemp -d)"
export CHECKRIDE_SECRET=bench-secret-0123456789abcdef
export CHECKRIDE_READ_TOKEN=bench-read-token-0123456789abcdef
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
summary=()  # "figure|value|anchor|ratio"

./ci/setup --bench >"$work/setup.log" 2>&1 || echo "ci/setup --bench failed: $(tail -1 "$work/setup.log")"

# wrk POSTing one body to URL: wrk_post URL CONTENT_TYPE BODY AUTHORIZATION [THREADS CONNS SECS]
# prints "REQ_PER_S P99_MS".
wrk_post() {
  local lua="$work/post-$RANDOM.lua"
  {
    echo 'wrk.method = "POST"'
    echo "wrk.body = [[$3]]"
    echo "wrk.headers[\"Content-Type\"] = \"$2\""
    [ -n "$4" ] && echo "wrk.headers[\"Authorization\"] = \"$4\""
  } >"$lua"
  wrk -t"${5:-2}" -c"${6:-32}" -d"${7:-$seconds}s" --latency -s "$lua" "$1" >"$work/wrk.out" 2>&1 || true
  local rps p99
  rps=$(grep 'Requests/sec' "$work/wrk.out" | awk '{print $2}')
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$work/wrk.out")
  echo "${rps:-0} ${p99:-0}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
mean() { awk '{s += $1} END {if (NR) printf "%.0f", s / NR; else print 0}'; }
wait_for_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

ports=(--payments-port 0 --identity-port 0 --catalog-port 0 --bookings-port 0 --llm-port 0
       --control-port 0)
start_fakes() {  # fresh fakes (a run's shoppers and intents stay in their world); URLs in $work/urls.json
  [ -n "${fakes_pid:-}" ] && kill "$fakes_pid" 2>/dev/null && wait "$fakes_pid" 2>/dev/null
  rm -f "$work/urls.json"
  ./build/checkride serve fakes --scenario scenarios/happy-orders.yaml --urls-file "$work/urls.json" \
    "${ports[@]}" >"$work/fakes.log" 2>&1 &
  fakes_pid=$!
  pids+=("$fakes_pid")
  wait_for_file "$work/urls.json"
}
url() { grep "\"$1\"" "$work/urls.json" | sed 's/.*"\(http[^"]*\)".*/\1/'; }

intent_form="amount=2500&currency=usd&capture_method=manual&confirm=true&payment_method=pm_card_visa"
payments_vs_wiremock() {
  echo "== 1. payments fake vs WireMock 3.13 (static stub): create+confirm, wrk -t2 -c32"
  local jar
  jar=$(ls bench/wiremock/node_modules/wiremock/build/wiremock-standalone-*.jar 2>/dev/null | head -1)
  if [ -z "$jar" ] || ! command -v java >/dev/null; then
    echo "  no WireMock or no java: ./ci/setup --bench installs them"
    return 1
  fi
  local port=$((20000 + RANDOM % 20000))
  java -jar "$jar" --port "$port" --disable-banner --no-request-journal >"$work/wiremock.log" 2>&1 &
  wiremock_pid=$!
  pids+=("$wiremock_pid")
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/__admin/mappings" >/dev/null && break; sleep 0.5; done
  curl -sf -X POST "http://127.0.0.1:$port/__admin/mappings" -d '{"request":{"method":"POST","url":"/v1/payment_intents"},"response":{"status":200,"headers":{"Content-Type":"application/json","Request-Id":"req_bench"},"jsonBody":{"id":"pi_1","object":"payment_intent","amount":2500,"amount_capturable":2500,"amount_received":0,"capture_method":"manual","currency":"usd","status":"requires_capture","livemode":false,"payment_method":"pm_1","latest_charge":"ch_1","metadata":{}}}}' >/dev/null || return 1
  local wm="http://127.0.0.1:$port/v1/payment_intents" fake
  start_fakes || return 1
  fake="$(url payments)/v1/payment_intents"
  echo "  warming both for ${seconds}s (the JVM compiles its hot paths)"
  wrk_post "$wm" application/x-www-form-urlencoded "$intent_form" "Bearer sk_test_bench" >/dev/null
  wrk_post "$fake" application/x-www-form-urlencoded "$intent_form" "Bearer sk_test_bench" >/dev/null
  : >"$work/fake.rps"
  : >"$work/wm.rps"
  for run in 1 2; do
    read -r f fp <<<"$(wrk_post "$fake" application/x-www-form-urlencoded "$intent_form" "Bearer sk_test_bench")"
    read -r w wp <<<"$(wrk_post "$wm" application/x-www-form-urlencoded "$intent_form" "Bearer sk_test_bench")"
    echo "  run $run: fake $f req/s (p99 $fp ms), WireMock $w req/s (p99 $wp ms)"
    echo "$f $fp" >>"$work/fake.rps"
    echo "$w $wp" >>"$work/wm.rps"
  done
  local fr wr fp99 wp99
  fr=$(cut -d' ' -f1 "$work/fake.rps" | mean)
  wr=$(cut -d' ' -f1 "$work/wm.rps" | mean)
  fp99=$(cut -d' ' -f2 "$work/fake.rps" | sort -n | tail -1)
  wp99=$(cut -d' ' -f2 "$work/wm.rps" | sort -n | tail -1)
  kill "$wiremock_pid" 2>/dev/null  # an idle JVM still takes CPU from the steps after
  summary+=("payments fake req/s vs WireMock (goal 2x)|$fr|$wr|$(ratio "$fr" "$wr")")
  summary+=("payments fake p99 ms vs WireMock (lower is better)|$fp99|$wp99|$(ratio "$fp99" "$wp99")")
}

drive_vs_wrk() {
  echo "== 2. drive vs wrk against bench/action_sink (6 requests a session)"
  start_fakes || return 1
  ./build/bench/action_sink "$work/sink.port" >"$work/sink.log" 2>&1 &
  pids+=($!)
  wait_for_file "$work/sink.port" || return 1
  local sink="http://127.0.0.1:$(cat "$work/sink.port")" held_rps=0 r
  for r in $sink_rates; do
    start_fakes || return 1  # a fresh world: shoppers accumulate
    ./build/checkride drive --orchestrator "$sink" --control "$(url control)" \
      --scenario bench/drive-ceiling.yaml --rate "$r" --duration "$seconds" --connections 32 \
      --max-lag-ms 100 --out "$work/out" --name "sink-$r" --quiet || true
    local run="$work/out/sink-$r.run.json" dropped rps
    [ -s "$run" ] || { echo "  target $r sessions/s: no run figures"; continue; }
    dropped=$(grep '"sessions_dropped"' "$run" | tr -dc '0-9')
    rps=$(grep achieved_requests "$run" | tr -dc '0-9.')
    echo "  target $r sessions/s: $(grep achieved_sessions "$run" | tr -dc '0-9.') sessions/s, $rps req/s, dropped $dropped"
    [ "$dropped" = "0" ] && held_rps=${rps%.*}
  done
  local w
  read -r w _ <<<"$(wrk_post "$sink/v1/actions" application/json '{"session":"s1","user":"user_1","request_id":1,"action":"searchCatalog","params":{"query":"blue runner"},"idempotency_key":"s1/0/0","payment_method":"pm_1"}' "")"
  echo "  highest held: $held_rps req/s; wrk on the same sink: $w req/s"
  summary+=("drive req/s held, 0 dropped, vs wrk (goal 0.8x)|$held_rps|${w%.*}|$(ratio "$held_rps" "$w")")
}

orchestrator_orders() {
  echo "== 3. drive -> serve orchestrator (SQLite WAL) -> fakes at ${rate} sessions/s"
  start_fakes || return 1
  orch_port=$((20000 + RANDOM % 20000))
  ./build/checkride serve orchestrator --port "$orch_port" --store "$work/orchestrator.db" \
    --payments-url "$(url payments)" --identity-url "$(url identity)" \
    --catalog-url "$(url catalog)" --bookings-url "$(url bookings)" >"$work/orch.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$orch_port/healthz" >/dev/null && break; sleep 0.05; done
  ./build/checkride drive --orchestrator "http://127.0.0.1:$orch_port" --control "$(url control)" \
    --scenario scenarios/happy-orders.yaml --rate "$rate" --duration "$seconds" \
    --connections 64 --out "$work/out" --name bench | head -1
  local confirmed wall per_s
  confirmed=$(curl -s -H "Authorization: Bearer $CHECKRIDE_READ_TOKEN" "http://127.0.0.1:$orch_port/metrics" | grep 'checkride_actions_total{status="confirmed"}' | awk '{print $2}')
  wall=$(grep wall_seconds "$work/out/bench.run.json" | tr -dc '0-9.')
  per_s=$(awk -v c="${confirmed:-0}" -v w="${wall:-0}" 'BEGIN { if (w > 0) printf "%.0f", c / w; else print 0 }')
  echo "  confirmed orders: ${confirmed:-0} in ${wall:-?} s = $per_s orders/s"
  summary+=("serve orchestrator durable orders/s (goal 2,000)|$per_s|2000|$(ratio "$per_s" 2000)")
}

service_ceiling() {
  echo "== 4. wrk -> serve orchestrator POST /v1/actions unsigned (401 path: the HTTP ceiling)"
  [ -n "${orch_port:-}" ] || return 1
  local w p
  read -r w p <<<"$(wrk_post "http://127.0.0.1:$orch_port/v1/actions" application/json '{"session":"s","user":"user_1","action":"searchCatalog","params":{"query":"x"}}' "")"
  echo "  $w req/s, p99 $p ms"
  summary+=("serve orchestrator 401 path req/s (wrk)|$w|-|-")
}

for step in payments_vs_wiremock drive_vs_wrk orchestrator_orders service_ceiling; do
  "$step" || echo "  ($step did not finish; going on)"
done

echo
printf '%-52s %12s %12s %8s\n' figure value anchor ratio
for row in "${summary[@]}"; do
  IFS='|' read -r name value anchor r <<<"$row"
  printf '%-52s %12s %12s %8s\n' "$name" "$value" "$anchor" "$r"
done
