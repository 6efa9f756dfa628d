#pragma once
#include <vector>

#include "scenario/rng.h"
#include "scenario/scenario.h"

namespace checkride {

// What the fault plan does to one provider call. Faults are declarative rules (Envoy's
// fault filter is the model); each rule draws from its own seeded stream.
struct CallFault {
  bool drop_request = false;            // never reaches the provider; caller times out
  bool drop_response = false;           // provider commits, answer lost; caller times out
  ErrorCode answer = ErrorCode::kNone;  // answered with this error, not processed
  int http_status = 0;                  // wire mode: the status to answer with
  bool reset = false;                   // the connection is reset; nothing is processed
  Duration retry_after = 0;
  Duration extra_latency = 0;
  bool expire_token = false;
  bool revoke_refresh = false;
  Duration shorten_ttl = -1;  // hold_expiry: lapse the created hold/reservation after this
  bool rotate_key = false;    // key_rotation: a new signing key before the call runs
  bool keep_old_key = true;
};

// What the fault plan does to one webhook delivery.
struct WebhookFault {
  Duration delay = 0;
  bool duplicate = false;
  bool reorder = false;
  bool drop = false;
  bool bad_signature = false;
  bool forge = false;  // beside a requires_action: a forged "authorized" event
};

// Which host a plan serves, said once when it is made.
//   kSimulated: each rule's draw for a call comes from that call's own entropy (a per-session
//     draw), so removing other sessions (shrink) does not shift it. Nothing verifies a JWT,
//     so key_rotation never fires (fault_rules_never_fired counts it).
//   kWire: each rule draws from its own stream, in call order.
enum class FaultHost { kSimulated, kWire };

class FaultPlan {
 public:
  FaultPlan(const std::vector<FaultRule>& rules, uint64_t seed, FaultHost host);
  FaultHost host() const { return host_; }
  // Appends a rule (wire mode adds rules while serving); its stream is named by its index.
  void add(const FaultRule& rule);
  // Carries a count over when a plan is rebuilt (wire mode, after a rule is removed).
  void set_fired(std::size_t i, int64_t fired) { rules_[i].fired = fired; }
  // Decides the faults for a call; counts `nth` matches. Only while `active` (load phase).
  // `entropy` is a simulated call's per-session draw (see FaultHost); the wire has none.
  CallFault for_call(Op op, Time now, bool active, uint64_t entropy = 0);
  // Agent faults for one action send.
  bool duplicate(const std::string& action, bool charge, Time now, bool active, bool& new_key,
                 uint64_t entropy = 0);
  bool malformed(const std::string& action, bool charge, Time now, bool active,
                 uint64_t entropy = 0);
  // Delivery faults for one event of `type` (webhook rules).
  WebhookFault for_webhook(const std::string& type, Time now, bool active, uint64_t entropy = 0);
  // Crash rules at a step: true when this call should be followed by a crash.
  bool crash_after(Op op, Duration& restart_after);
  // Crash rules at a time.
  std::vector<std::pair<Time, Duration>> timed_crashes() const;
  // A crash at a time happened: counts the timed crash rules for `now` as fired.
  void timed_crash_happened(Time now);
  // How many times rule i has struck (reports and the control API show it).
  int64_t fired(std::size_t i) const { return rules_[i].fired; }
  std::size_t size() const { return rules_.size(); }
  const FaultRule& rule(std::size_t i) const { return rules_[i].rule; }

 private:
  struct Live {
    FaultRule rule;
    Stream stream;
    uint64_t salt = 0;  // mixed with a call's entropy for that call's draws
    int64_t seen = 0;
    int64_t fired = 0;
  };
  // Whether the rule strikes now; `draws` is then the stream its further draws come from.
  bool matches(Live& l, Time now, uint64_t entropy, Stream& draws);
  bool simulated() const { return host_ == FaultHost::kSimulated; }
  std::vector<Live> rules_;
  uint64_t seed_ = 0;
  FaultHost host_;
};

}  // namespace checkride
