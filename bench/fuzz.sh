#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset `asan`: clang, ASan, UBSan) and runs each
# for SECONDS (default 60) on a corpus seeded from the shipped files. Prints the executions
# per target; exits 1 on the first target that finds a crash, leak or hang (its log is shown).
#   bench/fuzz.sh 600        ten minutes per target
#   bench/fuzz.sh 5          the smoke run ./ci/test makes
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
cmake --preset asan >/dev/null
cmake --build --preset asan --target checkride_fuzz >/dev/null
bin=build-asan/tests/fuzz
corpus=build-asan/corpus

seed_files() {  # target, files...
  local target=$1
  shift
  mkdir -p "$corpus/$target"
  for f in "$@"; do cp -f "$f" "$corpus/$target/" 2>/dev/null || true; done
}
seed_text() {  # target, name, text
  mkdir -p "$corpus/$1"
  printf '%s' "$3" >"$corpus/$1/$2"
}

seed_files fuzz_scenario scenarios/*.yaml tests/wire/*.yaml bench/*.yaml scenarios/worlds/*.yaml \
  scenarios/catalogs/flights.yaml scenarios/catalogs/shop.yaml
seed_text fuzz_scenario oauth-clients.yaml $'scenario: o\noauth_clients:\n  - {id: spa, redirect_uris: [\'http://127.0.0.1/cb\']}\n  - {id: api, secret: s, redirect_uris: [\'https://a.test/cb\', \'https://b.test/cb\']}\nworkload: {sessions: 1}\n'
seed_files fuzz_cassette scenarios/cassettes/*.jsonl
seed_files fuzz_action_catalog scenarios/catalogs/airline-actions.yaml \
  scenarios/catalogs/airline-support.yaml scenarios/catalogs/retail-support.yaml
seed_text fuzz_action_payload order.json '{"session":"s1","user":"user_1","request_id":7,"action":"placeOrder","params":{"items":[{"sku":"RUN-BLUE-42","quantity":1}],"coupon":"SPRING","max_total_cents":7400},"idempotency_key":"k-1","payment_method":"pm_1"}'
seed_text fuzz_action_payload booking.json '{"session":"s2","user":"user_2","request_id":1,"action":"createBooking","params":{"offer":"FL-SFO-JFK","seats":2},"idempotency_key":"k-2"}'
seed_text fuzz_form_body intent.txt 'amount=900&currency=usd&confirm=true&payment_method=pm_card_visa&metadata[order]=o_1&payment_method_types[0]=card'
seed_text fuzz_form_body token.txt 'grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier=x%20y'
seed_text fuzz_transcript openai.jsonl '{"role":"user","content":"buy the runners"}
{"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"placeOrder","arguments":"{\"items\":[{\"sku\":\"A\",\"quantity\":1}]}"}}]}
{"role":"tool","tool_call_id":"a","content":"Error: out of stock"}
[{"role":"assistant","content":"<tool_call>{\"name\":\"searchCatalog\",\"arguments\":{\"query\":\"x\"}}</tool_call>"},{"role":"user","content":"<tool_response>{\"total_cents\":900}</tool_response> yes please"}]'
seed_text fuzz_stream_assembler sse.txt ' data: {"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"c1","function":{"name":"searchCatalog","arguments":"{\"q"}}]}}]}

data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\":1}"}}]}}]}

data: [DONE]
'

seed_text fuzz_stream_assembler responses.txt 'event: response.output_item.added
data: {"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","call_id":"c1","name":"searchCatalog","arguments":""}}

data: {"type":"response.function_call_arguments.delta","output_index":0,"delta":"{\"query\":"}

data: {"type":"response.output_item.added","output_index":1,"item":{"type":"message","role":"assistant","content":[]}}

data: {"type":"response.output_text.delta","output_index":1,"content_index":0,"delta":"ok"}

data: {"type":"response.completed","response":{"id":"resp_1"}}
'
seed_text fuzz_stream_assembler anthropic.txt 'event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"searchCatalog","input":{}}}

data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"query\": \"x\"}"}}

data: {"type":"content_block_stop","index":0}

data: {"type":"message_stop"}
'

# A grant row with a number past an integer's range (once undefined behaviour).
seed_text fuzz_store_rows huge-user.json '{"session":7,"user":9.2e79,"access_token":21,"refresh_token":22,"expires_at":1700001000001,"scopes":15}'

seed_text fuzz_field_path dotted.txt 'info.task.user_id
{"info":{"task":{"user_id":"mia_li_3668"}},"messages":[{"role":"user"}]}'
seed_text fuzz_field_path pointer.txt '/traj/messages/0/role
{"traj":{"messages":[{"role":"user","content":"hi"}]}}'

# A shard report of a small sweep (written when the shipped binary exists).
if [ -x build/checkride ]; then
  sweep_out=$(mktemp -d)
  build/checkride sweep scenarios/lost-response-after-commit.yaml --seeds 1..2 --shard 0/2 \
    --set workload.sessions=20 --quiet --out "$sweep_out" || true
  seed_files fuzz_sweep_report "$sweep_out"/*.sweep.json
  seed_files fuzz_report_render "$sweep_out"/*.sweep.json
  build/checkride run scenarios/crash-restart.yaml --sessions 30 --quiet --out "$sweep_out" || true
  seed_files fuzz_report_render "$sweep_out"/crash-restart.json
  rm -rf "$sweep_out"
fi
seed_text fuzz_sweep_report empty.json '{"format":"checkride.sweep/v1","scenario":"s","scenario_sha256":"x","seeds":[1,1],"swarm":false,"runs":[],"totals":{"metrics":{},"latency_ms":{},"failures_by_step":{},"flows":0,"money_cents":{},"outcomes":{},"template_sessions":{}},"fault_coverage":{"rules":[],"branches":{}},"witnesses":[]}'

seed_text fuzz_drive_shard shard.json '{"drive_shard":{"index":1,"count":2},"identity":"ab","name":"happy-orders.drive","control":"http://127.0.0.1:12110","world":"w1","templates":[{"name":"c.jsonl#s","recorded_success":true,"tools":{}}],"latency":{"request":{"count":3,"max":40,"p50":5,"p90":40,"p99":40,"buckets":[[5,2],[40,1]]}},"metrics":{"drive_requests":3,"drive_sessions_dropped":0},"run":{"started":1,"played":1,"dropped":0,"unstarted":0,"requests":3,"wall_seconds":0.5},"sessions":[{"user":4,"template":0,"intent":true,"told":"confirmed","finished":true,"escalated":false,"throttled":false,"confirmed_before":false,"max_consent":9900,"first_consent_ms":1200,"consents":1}]}'

seed_text fuzz_stripe_event intent.txt 't=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
{"id":"evt_1","object":"event","type":"payment_intent.amount_capturable_updated","data":{"object":{"id":"pi_1","object":"payment_intent","amount":900,"amount_capturable":900,"status":"requires_capture"}}}'
seed_text fuzz_stripe_event refund.txt 't=1700000000,v1=00,v1=ff
{"id":"evt_2","type":"charge.refunded","data":{"object":{"id":"ch_1","payment_intent":"pi_1","amount_refunded":300}}}'

seed_text fuzz_redactor mixed.txt 'Bearer abcdefgh1234 from ann.lee@example.com, card 4242 4242 4242 4242, sk_0123456789abcdefXYZ'
seed_files fuzz_redactor scenarios/cassettes/airline-support.jsonl

seed_text fuzz_store_rows saga.json '{"id":3,"kind":0,"plan":0,"session":7,"user":9,"action_key":11,"confirm_key":0,"cart_hash":5,"step":"pay","attempt":1,"comp":0,"compensating":false,"done":false,"acked":false,"refreshed":false,"back_to_hold":false,"ambiguous":false,"payment_attempts":1,"outcome":0,"code":"","items":[["RUN-BLUE-42",1]],"coupon":"","offer":"","seats":0,"total":7400,"max_total":9900,"refund_amount":0,"payment_method":4,"reservation":12,"payment":0,"order":0,"hold":0,"hold_expires_at":0,"target":0,"tenders":[{"instrument":"gc_1","amount":100,"debit":0,"sent":false,"credited":0}],"card_named":true,"index":0}'
seed_text fuzz_store_rows grant.json '{"session":7,"user":9,"access_token":21,"refresh_token":22,"expires_at":1700000000000,"scopes":15}'
seed_text fuzz_store_rows consents.json '[[9900,true],[0,false]]'

mkdir -p "$corpus/fuzz_faces"  # face byte, method byte, path, newline, body
printf '\x00\x01v1/payment_intents\namount=900&currency=usd&payment_method=pm_card_visa' \
  >"$corpus/fuzz_faces/create.txt"
printf '\x01\x01oauth/token\ngrant_type=client_credentials&client_id=agent-app&client_secret=x' \
  >"$corpus/fuzz_faces/token.txt"
printf '\x02\x05v1/quote\n{"items":[{"sku":"RUN-BLUE-42","quantity":1}]}' \
  >"$corpus/fuzz_faces/quote.txt"
printf '\x00\x05v1/stored_value/gift_card_1/debits\n{"customer":"user_1","amount":500}' \
  >"$corpus/fuzz_faces/debit.txt"
printf '\x03\x05v1/holds/hold_1/confirm\n{"stored_value_debits":["svd_1"]}' \
  >"$corpus/fuzz_faces/confirm.txt"
printf '\x03\x05v1/holds\n{"offer":"F1","seats":2,"extras":{"bag":3,"ins":1}}' \
  >"$corpus/fuzz_faces/hold_extras.txt"
printf '\x03\x05v1/holds/hold_1/extras\n{"extras":{"bag":4},"payment_intent":"pi_1"}' \
  >"$corpus/fuzz_faces/extras.txt"
printf '\x00\x01v1/payment_intents\namount=900&currency=usd&confirm=true&payment_method=pm_card_visa' \
  >"$corpus/fuzz_faces/charge.txt"
printf '\x00\x01v1/payment_intents/pi_1\nmetadata[a]=b&description=x&expand[]=latest_charge' \
  >"$corpus/fuzz_faces/update.txt"
printf '\x00\x01v1/refunds\ncharge=ch_1&amount=100&reason=duplicate&metadata[t]=1' \
  >"$corpus/fuzz_faces/refund.txt"
printf '\x00\x00v1/payment_intents?limit=2&starting_after=pi_1&expand[]=data.latest_charge\n' \
  >"$corpus/fuzz_faces/list.txt"
printf '\x00\x01v1/webhook_endpoints\nurl=http://127.0.0.1:9/x&enabled_events[]=*' \
  >"$corpus/fuzz_faces/endpoint.txt"
printf '\x00\x00v1/events?type=payment_intent.created\n' >"$corpus/fuzz_faces/events.txt"
printf '\x01\x00.well-known/jwks.json\n' >"$corpus/fuzz_faces/jwks.txt"
printf '\x01\x10GET /oauth/userinfo HTTP/1.1\r\nHost: f\r\nAuthorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJhdF8xXzAifQ.c2ln\r\n\r\n' \
  >"$corpus/fuzz_faces/jwt.txt"
# A world with rules, then operations on its orders (two bytes each) after a NUL.
mkdir -p "$corpus/fuzz_world_rules"
printf 'skus: [{id: A, price_cents: 100, product: p}, {id: B, price_cents: 150, product: p}]\norders: [{reference: W1, status: pending, items: [{sku: A, quantity: 2, price_cents: 90}]}, {reference: W2, status: delivered, items: [{sku: B, quantity: 1}]}]\norder_rules:\n  statuses: {pending: [cancel, modify_items, change_details], modified: [cancel], delivered: [return, exchange], cancelled: []}\n  after: {modify_items: modified}\n  at_most: {change_details: 2}\n  cancel_reasons: [whim, mistake]\n  exchange_within_product: true\n\0\x00\x2c\x01\x15\x81\x0a\x00\x12\x00\x12\x00\x12\x01\x1b\x00\x29' \
  >"$corpus/fuzz_world_rules/rules.txt"
printf 'skus: [{id: A, price_cents: 100}]\npayment_methods: [{id: card_1, kind: card, brand: visa, last4: "4242"}, {id: paypal_1, kind: wallet, behaves_as: pm_card_chargeDeclined}]\nstored_value: [{id: gift_1, balance_cents: 500}]\norders: [{reference: W1, items: [{sku: A, quantity: 3}], paid_card: paypal_1, paid_stored_value: [{id: gift_1, amount_cents: 100}]}]\n\0\x00\x01\x00\x06' \
  >"$corpus/fuzz_world_rules/methods.txt"
printf 'offers: [{id: F1, price_cents: 10000, cabin: economy, fare_class: Y}]\nextras:\n  - {id: bag, price_cents: 5000, per: unit, free: [{cabin: economy, membership: gold, units: 2}, {units: 1}]}\n  - {id: ins, price_cents: 3000, per: passenger, refundable: true}\nmemberships: [{user: u, tier: gold}]\nbookings: [{reference: B1, offer: F1, seats: 2, extras: {bag: 1, ins: 1}}]\n\0\x40\x05\x41\x06\x40\x0b\x61\x13' \
  >"$corpus/fuzz_world_rules/extras.txt"
printf 'now: "2026-12-09T10:00:00Z"\nskus: [{id: A, price_cents: 100, product: p}, {id: B, price_cents: 150, product: p}]\norders: [{reference: W1, status: delivered, delivered_at: "2026-11-20T14:00:00Z", items: [{sku: A, quantity: 2}, {sku: B, quantity: 1}]}, {reference: W2, status: delivered, delivered_at: "2026-12-01T00:00:00Z", items: [{sku: B, quantity: 1}]}]\norder_rules: {within: {return: 30d, exchange: 14d}, partial_returns: false, partial_exchanges: false}\n\0\x00\x1b\x01\x1b\x00\x23\x01\x2c' \
  >"$corpus/fuzz_world_rules/limits.txt"
seed_files fuzz_world_rules scenarios/worlds/*.yaml
printf 'skus: [{id: A, price_cents: 4000}, {id: B, price_cents: 9000}]\nextras: [{id: wrap, price_cents: 500, per: order, on: orders, free: [{min_value_cents: 10000, units: 1}]}]\norders: [{reference: W1, status: delivered, extras: {wrap: 1}, items: [{sku: A, quantity: 2}, {sku: B, quantity: 1}]}]\n\0\x00\x1b\x01\x23\x00\x2c' \
  >"$corpus/fuzz_world_rules/order_extras.txt"
printf 'skus: [{id: A, price_cents: 4000, product: p}, {id: B, price_cents: 9000, product: p}]\nextras: [{id: wrap, price_cents: 500, per: order, on: orders}]\ntaxes: [{id: vat, on: orders, rate: 8.25%%, of: [items, wrap]}, {id: fee, on: orders, amount_cents: 28}]\norders: [{reference: W1, status: delivered, extras: {wrap: 1}, items: [{sku: A, quantity: 2}, {sku: B, quantity: 1}]}]\n\0\x00\x1b\x01\x23\x00\x2c\x00\x1b' \
  >"$corpus/fuzz_world_rules/order_taxes.txt"
printf 'offers: [{id: F1, price_cents: 10000}, {id: F2, price_cents: 7000}]\nextras: [{id: ins, price_cents: 3000, per: passenger}]\ntaxes: [{id: excise, rate: 7.5%%, of: [fares, ins]}, {id: fee, amount_cents: 560, per: passenger_leg, refundable: false}]\nbookings: [{reference: B1, offer: F1, connections: [F2], seats: 2, extras: {ins: 1}}]\n\0\x40\x05\x41\x06' \
  >"$corpus/fuzz_world_rules/booking_taxes.txt"
# Provider answers: a lookup (find_order, 200) saying what paid, then a 429 with Retry-After.
mkdir -p "$corpus/fuzz_provider_answer"
printf '\x12\x00{"object":"order","id":"ord_4","status":"delivered","total":5499,"payment_intent":"pi_9","paid_by":["credit_card_9513926","gift_card_7701"],"stored_value_debits":[{"id":"svd_3","amount":2000}],"refusal":"time_limit_passed"}' \
  >"$corpus/fuzz_provider_answer/lookup.txt"
printf '\x07\x892 {"error":{"type":"rate_limit_error","code":"rate_limited"}}' \
  >"$corpus/fuzz_provider_answer/rate_limited.txt"
# Transcripts in each shape record import reads; the first byte picks --from (0: auto).
mkdir -p "$corpus/fuzz_transcript_formats"
printf '\x00{"metadata":{"user_id":"u"},"system":"s","messages":[{"role":"user","content":"cancel #W1"},{"role":"assistant","content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"cancel_pending_order","input":{"order_id":"#W1"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"Error: no"}],"is_error":true}]}]}' \
  >"$corpus/fuzz_transcript_formats/anthropic.txt"
printf '\x02{"user":"u","conversation":{"id":"c1"},"input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"function_call","call_id":"c","name":"get_order_details","arguments":"{\\"order_id\\":\\"#W1\\"}"},{"type":"function_call_output","call_id":"c","output":"{\\"status\\":\\"pending\\"}"},{"type":"reasoning","summary":[]}]}' \
  >"$corpus/fuzz_transcript_formats/responses.txt"
printf '\x04[{"contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"functionCall":{"name":"get_order_details","args":{"order_id":"#W1"}}}]},{"role":"user","parts":[{"functionResponse":{"name":"get_order_details","response":{"error":"gone"}}}]}]}]' \
  >"$corpus/fuzz_transcript_formats/gemini.txt"
printf '\x05{"input":{"messages":[{"role":"user","content":"hi"}]},"output":{"choices":[{"message":{"role":"assistant","content":"","tool_calls":[{"id":"t","type":"function","function":{"name":"placeOrder","arguments":"{}"}}]}}]}}' \
  >"$corpus/fuzz_transcript_formats/dashscope.txt"
printf '\x06{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"placeOrder","arguments":{}}}\n{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"ok"}],"isError":false}}\n{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"placeOrder"}}\n{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"bad"}}\n' \
  >"$corpus/fuzz_transcript_formats/mcp.txt"
printf '\x07{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","startTimeUnixNano":"1","attributes":[{"key":"gen_ai.conversation.id","value":{"stringValue":"c"}},{"key":"gen_ai.input.messages","value":{"stringValue":"[{\\"role\\":\\"user\\",\\"parts\\":[{\\"type\\":\\"text\\",\\"content\\":\\"hi\\"}]}]"}},{"key":"gen_ai.output.messages","value":{"stringValue":"[{\\"role\\":\\"assistant\\",\\"parts\\":[{\\"type\\":\\"tool_call\\",\\"id\\":\\"1\\",\\"name\\":\\"placeOrder\\",\\"arguments\\":{}}]}]"}}]},{"traceId":"t","startTimeUnixNano":"2","status":{"code":2},"attributes":[{"key":"gen_ai.tool.name","value":{"stringValue":"placeOrder"}},{"key":"gen_ai.tool.call.id","value":{"stringValue":"1"}},{"key":"gen_ai.tool.call.result","value":{"stringValue":"no"}}]}]}]}]}' \
  >"$corpus/fuzz_transcript_formats/otel.txt"
printf '\x08{"run_type":"chain","extra":{"metadata":{"thread_id":"c","user_id":"u"}},"child_runs":[{"run_type":"llm","inputs":{"messages":[[{"type":"human","content":"hi"}]]},"outputs":{"generations":[[{"message":{"lc":1,"type":"constructor","id":["AIMessage"],"kwargs":{"content":"","tool_calls":[{"id":"1","name":"placeOrder","args":{}}]}}}]]}},{"run_type":"tool","name":"placeOrder","inputs":{"input":"{}"},"outputs":{"output":"ok"},"error":null}]}' \
  >"$corpus/fuzz_transcript_formats/langsmith.txt"
printf '\x09{"data":[{"id":"t","sessionId":"c","userId":"u","observations":[{"type":"GENERATION","input":[{"role":"user","content":"hi"}],"output":{"role":"assistant","content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"placeOrder","arguments":"{}"}}]}},{"type":"TOOL","name":"placeOrder","input":{},"output":"no","level":"ERROR"}]}]}' \
  >"$corpus/fuzz_transcript_formats/langfuse.txt"
mkdir -p "$corpus/fuzz_jwt"
printf 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJqdGkiOiJhdF8xXzAiLCJleHAiOjF9.c2lnbmF0dXJl' \
  >"$corpus/fuzz_jwt/shape.txt"

for target in $(ls "$bin" | grep '^fuzz_' | sort); do
  log="build-asan/$target.log"
  if ! "$bin/$target" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
      -timeout=10 -max_len=65536 "$corpus/$target" >"$log" 2>&1; then
    echo "FAIL $target (log: $log)"
    tail -60 "$log"
    exit 1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  echo "$target: $execs executions in ${seconds} s, clean"
done
