#pragma once
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "fakes/bookings.h"
#include "fakes/catalog.h"
#include "fakes/oauth_client.h"
#include "fakes/world.h"
#include "orchestrator/config.h"
#include "protocol/provider.h"
#include "reports/gates.h"

namespace YAML {
class Node;
}

namespace checkride {

struct LatencySpec {
  enum class Kind : uint8_t { kFixed, kUniform, kLognormal };
  Kind kind = Kind::kFixed;
  Duration a = 0;  // fixed value, uniform min, or lognormal median
  Duration b = 0;  // uniform max or lognormal p99
};

enum class FaultKind : uint8_t {
  kOutage,
  kError,
  kLatency,
  kTimeout,
  kLostResponse,
  kRateLimit,
  kTokenExpiry,
  kRefreshRevoked,
  kHoldExpiry,
  kCrash,
  kDuplicateAction,
  kMalformedAction,
  kReset,  // the connection is reset before the provider acts
  // Webhook delivery (provider: webhook): the event is sent late, twice, after the next
  // one, never, or signed with the wrong secret.
  kWebhookDelay,
  kWebhookDuplicate,
  kWebhookReorder,
  kWebhookDrop,
  kWebhookBadSignature,
  // An attacker's event beside a payment_intent.requires_action: the intent reported
  // authorized (amount_capturable_updated), signed with a secret that is not the endpoint's.
  kWebhookForge,
  // The identity provider's signing key changes (on provider identity, at a token call);
  // `grace` keeps the old key in the JWKS.
  kKeyRotation,
};
inline bool is_webhook_fault(FaultKind k) {
  return k >= FaultKind::kWebhookDelay && k <= FaultKind::kWebhookForge;
}
const char* fault_kind_name(FaultKind k);

enum class FaultTarget : uint8_t {
  kCatalog,
  kPayment,
  kBooking,
  kIdentity,
  kOrchestrator,
  kAgent,
  kWebhook,
};
// The `provider:` word of a target, as scenarios spell it (one table, for every reader).
const char* fault_target_name(FaultTarget t);

struct FaultRule {
  FaultTarget target = FaultTarget::kPayment;
  bool has_op = false;
  Op op = Op::kSearch;
  // agent rules: only this action (empty = charge-bearing actions); webhook rules: only this
  // event type (empty = every event)
  std::string action;
  FaultKind kind = FaultKind::kOutage;
  Time from = 0;
  Time to = std::numeric_limits<Time>::max();
  int64_t nth = 0;  // only the nth matching call (1-based)
  double probability = 1.0;
  ErrorCode error = ErrorCode::kUnavailable;
  int http_status = 503;  // the exact status an `error` rule answers with on the wire
  LatencySpec latency;
  Duration retry_after = kSecond;
  Duration ttl = 500;  // hold_expiry: the shortened TTL
  Time at = -1;        // crash time
  Duration restart_after = 10 * kSecond;
  bool new_key = false;  // duplicate_action
  bool grace = true;     // key_rotation: the old key stays published
  int line = 0;
  bool active = true;  // --swarm may switch a rule off for a seed (it keeps its index)
  // Names the rule's random stream (default: its index). `shrink` writes it when it drops
  // other rules, so a kept rule keeps its draws.
  int64_t stream = -1;
};

struct MixEntry {
  std::string cassette;  // resolved path
  int weight = 1;
};

struct ArrivalSpec {
  enum class Kind : uint8_t { kConstant, kPoisson, kRamp };
  Kind kind = Kind::kConstant;
  double rate_per_ms = 0.01;
  std::vector<std::pair<Time, double>> ramp;  // (time, rate per ms), linear in between
};

// The shopper in a 3-D Secure challenge (simulated runs): passes it, fails it, or walks
// away (the rest), after a delay drawn from `after`.
struct ChallengeSpec {
  double passes = 0.8;
  double fails = 0.1;
  LatencySpec after{LatencySpec::Kind::kUniform, 3 * kSecond, 40 * kSecond};
};

struct AgentSpec {
  enum class OnDivergence : uint8_t { kContinue, kStop, kRetry };
  OnDivergence on_divergence = OnDivergence::kRetry;
  int retries = 2;
  bool new_key_on_retry = false;
  Duration timeout = 30 * kSecond;  // the agent gives up waiting for an answer
  Duration retry_delay = kSecond;
};

struct Scenario {
  std::string path;
  std::string name;
  std::string description;
  uint64_t seed = 1;
  // world
  std::vector<SkuSpec> skus;
  std::vector<OfferSpec> offers;
  std::vector<ExtraSpec> extras;                 // sold on bookings (docs/worlds.md `extras:`)
  std::vector<TaxSpec> taxes;                    // levied on bookings and orders (`taxes:`)
  std::vector<InstrumentRule> instrument_rules;  // what stored value may pay for, by name
  int64_t calendar = 0;  // the world's `now:`, seconds since 1970, at virtual time 0 (0: none)
  std::vector<CouponSpec> coupons;
  WorldSeed existing;  // bookings, orders, stored value: seeded for each session of their user
  WorldRules rules;    // the business's order and booking rules (docs/worlds.md)
  bool rules_declared = false;  // a world file stated some (so a dump writes them back)
  LatencySpec latency[kProviderCount];
  Duration access_ttl = 15 * kMinute;
  // `serve fakes` only: OAuth clients and their redirect URIs, added to the defaults.
  std::vector<OAuthClient> oauth_clients;
  // orchestrator
  std::string actions = "default";  // or a resolved path
  OrchestratorConfig orchestrator;
  std::vector<std::string> defect_names;
  // workload
  int64_t sessions = 100;
  ArrivalSpec arrival;
  int64_t concurrency = 0;  // > 0: closed model
  // Only these sessions (1-based, sorted) of the arrivals run; empty: all. The others still
  // arrive (so nobody's arrival time or template shifts) but do nothing.
  std::vector<int64_t> keep_sessions;
  std::vector<MixEntry> mix;
  AgentSpec agent;
  ChallengeSpec three_d_secure;
  Duration drain = 30 * kMinute;
  std::vector<FaultRule> faults;
  bool swarm = false;  // the faults' activity and rates were drawn from the seed
  std::vector<Gate> expect;
};

// "faults[2]: payment capture lost_response", for reports.
std::string describe_fault(const FaultRule& rule, std::size_t index);

// Loads a scenario; `overrides` are "key.path=value" pairs applied before parsing.
// Throws InputError naming the file, line and field for every mistake.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
// The scenario file's YAML with the overrides applied, as load_scenario reads it (for tools
// that write a changed scenario: shrink). Throws InputError like load_scenario.
YAML::Node scenario_document(const std::string& path, const std::vector<std::string>& overrides);
// Adds a world file's SKUs, offers, coupons and existing bookings (docs/scenarios.md, "World
// file") to the scenario. Throws InputError like load_scenario.
void load_world_file(Scenario& s, const std::string& path);
// Whether a YAML document reads as a world file: a mapping with one of the keys only a world
// file has (for validate, which tells world files from scenarios).
bool is_world_document(const YAML::Node& root);
// Every existing booking is on an offer of the world, and every existing order's SKUs are
// SKUs of it. Throws InputError naming the booking or order.
void check_existing_bookings(const Scenario& s);
// Puts the scenario's catalog, offers, coupons and rules into a new world (before any
// session is seeded into it).
void furnish_world(World& world, const Scenario& s);
// Writes the scenario's world as a world file that load_world_file reads back.
void write_world_file(const Scenario& s, const std::string& path);
// A scenario with the default provider latencies and nothing else.
Scenario default_scenario();
// A YAML file holding fault rules in the scenario's `faults:` syntax: a bare list or a
// mapping with a `faults:` list. Throws InputError like load_scenario.
std::vector<FaultRule> load_faults_file(const std::string& path);
// The same from text (JSON is YAML): one rule, a list, or {faults: [...]}. For the fakes'
// control API; `origin` names the source in errors.
std::vector<FaultRule> parse_fault_rules(const std::string& text, const std::string& origin);

}  // namespace checkride
