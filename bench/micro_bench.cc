// Micro-benchmarks: the event queue, one order saga end to end through the real orchestrator
// and the fakes (no simulator around it), the fault draw, and a whole simulated flash-sale
// session. Run from the source tree (they read scenarios/flash-sale-surge.yaml).
#include <benchmark/benchmark.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "fakes/world.h"
#include "orchestrator/orchestrator.h"
#include "recorder/redactor.h"
#include "scenario/fault_plan.h"
#include "scenario/rng.h"
#include "scenario/scenario.h"
#include "simulator/event_queue.h"
#include "simulator/simulation.h"

namespace checkride {
namespace {

void BM_EventQueuePushPop(benchmark::State& state) {
  EventQueue q;
  Stream rng(1, "bench");
  const int depth = static_cast<int>(state.range(0));
  for (int i = 0; i < depth; ++i) q.push(static_cast<Time>(rng.below(1000000)), EventType::kTimer);
  for (auto _ : state) {
    Event e{};
    q.pop(std::numeric_limits<Time>::max(), e);
    q.push(e.time + static_cast<Time>(rng.below(1000)), EventType::kTimer);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventQueuePushPop)->Arg(1000)->Arg(100000);

void BM_OrderSaga(benchmark::State& state) {
  World world;
  world.catalog.add_sku({"SOCK", "merino socks", 1800, 1 << 30});
  OrchestratorConfig config;
  config.service_token = world.identity.client_credentials(~0u, 0, 1000 * kHour);
  MemoryStore store(false);
  Orchestrator orch(ActionCatalog::default_catalog(), config, store);
  auto params = std::make_shared<const nlohmann::json>(nlohmann::json{
      {"items", {{{"sku", "SOCK"}, {"quantity", 2}}}}, {"payment_method", "pm_card_visa"}});
  Time now = 0;
  uint64_t session = 0;
  Effects fx, next;
  for (auto _ : state) {
    ++session;
    SessionGrant g = world.identity.login(session, session, ~0u, now);
    orch.on_session_start(g, now);
    orch.on_consent({session, 3600, true}, now);
    ActionRequest r;
    r.session = session;
    r.user = session;
    r.request_id = session;
    r.action = "placeOrder";
    r.params = params;
    r.key = mix64(session);
    r.payment_method = world.payments.add_method(session, CardBehaviour::kSucceeds);
    fx.clear();
    orch.on_action(r, now, fx);
    while (!fx.calls.empty()) {
      next.clear();
      for (const auto& c : fx.calls) {
        now += 1;
        orch.on_provider_reply(c.id, world.handle(c.request, now, now), now, next);
      }
      std::swap(fx, next);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OrderSaga);

// The fault draw every simulated provider call makes: flash-sale-surge's own rules.
void BM_FaultDraw(benchmark::State& state) {
  const Scenario scenario = load_scenario("scenarios/flash-sale-surge.yaml");
  FaultPlan plan(scenario.faults, scenario.seed, FaultHost::kSimulated);
  uint64_t draw = 0;
  for (auto _ : state) {
    draw = mix64(draw, 1);
    CallFault f = plan.for_call(Op::kCapture, static_cast<Time>(draw % 60000), true, draw);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FaultDraw);

// A whole flash-sale session: the simulator, the orchestrator, the fakes and the checkers,
// per session of a 10,000-session run (what whole_run.sh measures, without the process).
void BM_FlashSaleSession(benchmark::State& state) {
  const Scenario scenario =
      load_scenario("scenarios/flash-sale-surge.yaml", {"workload.sessions=10000"});
  for (auto _ : state) {
    Simulation sim(scenario, ActionCatalog::default_catalog(),
                   compile_templates(scenario, ActionCatalog::default_catalog()));
    Report r = sim.run();
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * scenario.sessions);
  state.SetLabel("items = sessions");
}
BENCHMARK(BM_FlashSaleSession)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace checkride

// Redaction of a message with a long unbroken blob (a base64 image) and the secrets around
// it, by the blob's length in bytes: linear, where std::regex crashed past about 25 kB.
static void BM_RedactLongBlob(benchmark::State& state) {
  const std::string text = "Bearer abcdefgh12345 image " +
                           std::string(static_cast<std::size_t>(state.range(0)), 'A') +
                           " from ann.lee@example.com card 4242 4242 4242 4242";
  for (auto _ : state) {
    checkride::Redactor r;
    benchmark::DoNotOptimize(r.redact_text(text));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_RedactLongBlob)->Arg(10 << 10)->Arg(10 << 20)->Unit(benchmark::kMillisecond);
