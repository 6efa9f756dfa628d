// One fault applier, two hosts: the same fault rules, decided by each host's fault plan and
// struck through each host's side of a call (the simulator's SimulatedCall, the wire's
// WireCall), give the same outcome for each call, and change the two worlds alike.
#include "scenario/fault_applier.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "orchestrator/action_catalog.h"
#include "scenario/compile_templates.h"
#include "simulator/simulated_call.h"
#include "test_support.h"
#include "wire/fakes/fake_servers.h"
#include "wire/fakes/wire_call.h"

namespace checkride {
namespace {

struct Row {
  const char* rule;
  Op op;
  CallOutcome::Fate fate;
  ErrorCode error;       // the injected error, or the one the agent's orchestrator hears
  int http_status;       // kError: the status on the wire
  bool token_expired;    // the call's token is no longer active afterwards
  bool refresh_revoked;  // the user's refresh token no longer refreshes
  bool shortened;        // what the call made lapses early
};

const Row kRows[] = {
    {"{provider: catalog, kind: outage}", Op::kReserve, CallOutcome::Fate::kError,
     ErrorCode::kUnavailable, 503, false, false, false},
    {"{provider: catalog, kind: error, status: 502}", Op::kReserve, CallOutcome::Fate::kError,
     ErrorCode::kUnavailable, 502, false, false, false},
    {"{provider: catalog, kind: error, status: 400}", Op::kReserve, CallOutcome::Fate::kError,
     ErrorCode::kBadRequest, 400, false, false, false},
    {"{provider: catalog, kind: rate_limit, retry_after: 2s}", Op::kReserve,
     CallOutcome::Fate::kError, ErrorCode::kRateLimited, 429, false, false, false},
    {"{provider: catalog, kind: reset}", Op::kReserve, CallOutcome::Fate::kReset,
     ErrorCode::kUnavailable, 0, false, false, false},
    {"{provider: catalog, kind: timeout}", Op::kReserve, CallOutcome::Fate::kNoAnswer,
     ErrorCode::kTimeout, 0, false, false, false},
    {"{provider: catalog, kind: lost_response}", Op::kReserve, CallOutcome::Fate::kAnswerLost,
     ErrorCode::kTimeout, 0, false, false, false},
    {"{provider: catalog, kind: hold_expiry, ttl: 3s}", Op::kReserve, CallOutcome::Fate::kAnswered,
     ErrorCode::kNone, 0, false, false, true},
    {"{provider: catalog, kind: latency, delay: {fixed: 1ms}}", Op::kReserve,
     CallOutcome::Fate::kAnswered, ErrorCode::kNone, 0, false, false, false},
    {"{provider: payment, kind: lost_response, op: authorize}", Op::kAuthorize,
     CallOutcome::Fate::kAnswerLost, ErrorCode::kTimeout, 0, false, false, false},
    {"{provider: identity, kind: token_expiry, op: authorize}", Op::kAuthorize,
     CallOutcome::Fate::kAnswered, ErrorCode::kInvalidToken, 0, true, false, false},
    {"{provider: identity, kind: refresh_revoked, op: authorize}", Op::kAuthorize,
     CallOutcome::Fate::kAnswered, ErrorCode::kInvalidToken, 0, true, true, false},
    // Two rules on one call: the reset is decided first, whatever else strikes.
    {"[{provider: catalog, kind: outage}, {provider: catalog, kind: reset}]", Op::kReserve,
     CallOutcome::Fate::kReset, ErrorCode::kUnavailable, 0, false, false, false},
    // An injected answer comes before no answer at all.
    {"[{provider: catalog, kind: timeout}, {provider: catalog, kind: outage}]", Op::kReserve,
     CallOutcome::Fate::kError, ErrorCode::kUnavailable, 503, false, false, false},
};

// One world per host, alike: the shipped shop, one shopper with a card and a token.
struct HostWorld {
  explicit HostWorld(const Scenario& scenario)
      : state(scenario, compile_templates(scenario, ActionCatalog::default_catalog()),
              default_oauth_clients()) {
    state.clear_rules();
    shopper = state.add_shopper(CardBehaviour::kSucceeds, kAllApiScopes);
  }
  ProviderRequest request(Op op) const {
    ProviderRequest req;
    req.op = op;
    req.key = 42;
    req.user = shopper.user;
    req.access_token = shopper.grant.access_token;
    req.items = {{"RUN-BLUE-42", 1}};
    req.amount = 7900;
    req.payment_method = shopper.method;
    req.ttl = 10 * kMinute;
    return req;
  }
  FakeState state;
  Shopper shopper;
};

struct Struck {
  CallOutcome outcome;
  ErrorCode heard = ErrorCode::kNone;  // what the caller hears (the simulator's reply)
  bool token_active = true;
  bool refresh_works = true;
  Time lapses_at = 0;
};

void read_world(HostWorld& w, Struck& s) {
  std::lock_guard<HeldMutex> lock(w.state.mu);
  World& world = w.state.world();
  const Time now = w.state.now();
  s.token_active = world.identity.token_active(w.shopper.grant.access_token, now);
  IdentityFake::RefreshRefusal why;
  s.refresh_works =
      world.identity.refresh(w.shopper.grant.refresh_token, w.state.service_client(), 0, now, why)
          .ok();
  if (s.outcome.shortened != 0) {
    // From when the reservation was made, not from now: the fakes' clock is the wall clock,
    // and a millisecond passing before this read (a loaded sanitizer run) read as 2999.
    const auto* r = world.catalog.reservations().find(s.outcome.shortened);
    s.lapses_at = r->expires_at - r->created;
  }
}

Struck through_the_simulator(const std::vector<FaultRule>& rules, Op op, HostWorld& w) {
  FaultPlan plan(rules, 1, FaultHost::kSimulated);
  const Time now = w.state.now();
  const CallFault f = plan.for_call(op, now, true, 7);
  const ProviderRequest req = w.request(op);
  ProviderReply reply;
  Struck s;
  {
    std::lock_guard<HeldMutex> lock(w.state.mu);  // the wire host's lock over the same world
    SimulatedCall call(w.state.world(), req, now, 10, [&](World& world, Time at, Duration latency) {
      reply = world.handle(req, at, at + latency);
      return reply.ok() ? reply.id : ObjectId{0};
    });
    s.outcome = apply_call_fault(f, op, call);
  }
  answer_in_virtual_time(s.outcome, ProviderCall{1, req, 30 * kSecond}, now, 10, reply);
  s.heard = reply.error;
  read_world(w, s);
  return s;
}

Struck through_the_wire(const std::vector<FaultRule>& rules, Op op, HostWorld& w) {
  FaultPlan plan(rules, 1, FaultHost::kWire);
  const CallFault f = plan.for_call(op, w.state.now(), true);
  const ProviderRequest req = w.request(op);
  httplib::Request http;
  http.method = "POST";
  http.path = "/test";
  http.set_header("Authorization",
                  "Bearer " + w.state.token_name(w.shopper.grant.access_token, false));
  http.set_header("Idempotency-Key", "k42");
  httplib::Response res;
  std::function<WireAnswer(Time)> act = [&](Time now) {
    ProviderReply reply = w.state.world().handle(req, now, now);
    WireAnswer a;
    a.status = reply.ok() ? 200 : http_status_of(reply.error);
    a.body = {{"error", std::string(error_name(reply.error))}};
    if (reply.ok() && reply.id != 0) a.body["__object"] = reply.id;
    return a;
  };
  WireCall call(w.state, op, ErrorStyle::kJson, http, res, act);
  Struck s;
  s.outcome = apply_call_fault(f, op, call);
  read_world(w, s);
  return s;
}

TEST(FaultApplier, TheSameRulesStrikeBothHostsAlike) {
  const Scenario scenario =
      load_scenario(testing::source_path("scenarios/happy-orders.yaml"), {"faults=[]"});
  for (const Row& row : kRows) {
    SCOPED_TRACE(row.rule);
    const std::vector<FaultRule> rules = parse_fault_rules(row.rule, "table");
    HostWorld sim_world(scenario), wire_world(scenario);
    const Struck sim = through_the_simulator(rules, row.op, sim_world);
    const Struck wire = through_the_wire(rules, row.op, wire_world);
    for (const Struck* s : {&sim, &wire}) {
      EXPECT_STREQ(call_fate_name(s->outcome.fate), call_fate_name(row.fate));
      EXPECT_EQ(s->outcome.error,
                row.fate == CallOutcome::Fate::kError ? row.error : ErrorCode::kNone);
      EXPECT_EQ(s->outcome.http_status, row.http_status);
      EXPECT_EQ(s->outcome.token_expired, row.token_expired);
      EXPECT_EQ(s->outcome.refresh_revoked, row.refresh_revoked);
      EXPECT_EQ(s->token_active, !row.token_expired);
      EXPECT_EQ(s->refresh_works, !row.refresh_revoked);
      EXPECT_EQ(s->outcome.shortened != 0, row.shortened);
      EXPECT_EQ(s->outcome.provider_ran(), row.fate == CallOutcome::Fate::kAnswered ||
                                               row.fate == CallOutcome::Fate::kAnswerLost);
    }
    EXPECT_EQ(sim.outcome.retry_after, wire.outcome.retry_after);
    EXPECT_EQ(sim.outcome.added_delay, wire.outcome.added_delay);
    EXPECT_EQ(sim.lapses_at, wire.lapses_at);
    if (row.shortened) {
      EXPECT_EQ(sim.lapses_at, 3 * kSecond);
    }
    EXPECT_EQ(sim.heard, row.error) << "what the simulated caller hears";
  }
}

// A call the wire answers under its Idempotency-Key never reaches the provider, so no fault
// strikes the world through it.
TEST(FaultApplier, AnIdempotentReplayOnTheWireIsHeldByTheHost) {
  const Scenario scenario =
      load_scenario(testing::source_path("scenarios/happy-orders.yaml"), {"faults=[]"});
  HostWorld w(scenario);
  const std::vector<FaultRule> none;
  ASSERT_EQ(call_fate_name(through_the_wire(none, Op::kReserve, w).outcome.fate),
            std::string("answered"));
  const std::vector<FaultRule> expiry =
      parse_fault_rules("{provider: catalog, kind: hold_expiry, ttl: 1s}", "t");
  const Struck again = through_the_wire(expiry, Op::kReserve, w);
  EXPECT_STREQ(call_fate_name(again.outcome.fate), "held_by_host");
  EXPECT_EQ(again.outcome.shortened, 0u);
}

}  // namespace
}  // namespace checkride
