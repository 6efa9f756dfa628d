// The orchestrator section: action catalog, policy, retries, TTLs and defect switches.
#include "orchestrator/defects.h"
#include "scenario/scenario_sections.h"

namespace checkride {

void parse_orchestrator(Scenario& s, MapReader& top) {
  if (!top.has("orchestrator")) return;
  MapReader m(top.get("orchestrator"), top.file(), "orchestrator");
  std::string actions = m.str("actions", "default");
  s.actions = actions == "default" ? actions : resolve(s.path, actions);
  OrchestratorConfig& c = s.orchestrator;
  if (m.has("policy")) {
    MapReader pm(m.get("policy"), top.file(), "orchestrator.policy");
    c.policy.spend_cap_session = pm.cents("spend_cap_cents", 0);
    c.policy.spend_cap_day = pm.cents("daily_cap_cents", 0);
    c.policy.max_quantity = pm.bounded("max_quantity", 0, 0, kMaxInt32);
    c.policy.per_user_per_min = pm.bounded("per_user_per_min", 0, 0, kMaxInt32);
    c.policy.review_above = pm.cents("review_above_cents", 0);
    if (pm.has("admission")) {
      MapReader am(pm.get("admission"), top.file(), "orchestrator.policy.admission");
      c.policy.max_in_flight = am.bounded("max_in_flight", 0, 0, kMaxInt32);
      am.finish();
    }
    pm.finish();
  }
  if (m.has("retries")) {
    MapReader rm(m.get("retries"), top.file(), "orchestrator.retries");
    c.retries.max = rm.bounded("max", c.retries.max, 0, 1000);
    c.retries.base = rm.duration("base", c.retries.base);
    c.retries.cap = rm.duration("cap", c.retries.cap);
    c.retries.call_timeout = rm.duration("timeout", c.retries.call_timeout);
    c.retries.breaker_failures =
        rm.bounded("breaker_failures", c.retries.breaker_failures, 0, kMaxInt32);
    c.retries.breaker_cooldown = rm.duration("breaker_cooldown", c.retries.breaker_cooldown);
    if (c.retries.base <= 0) rm.fail(rm.get("base"), "base", "expected a positive duration");
    rm.finish();
  }
  c.reservation_ttl = m.duration("reservation_ttl", c.reservation_ttl);
  c.hold_ttl = m.duration("hold_ttl", c.hold_ttl);
  c.authentication_timeout = m.duration("authentication_timeout", c.authentication_timeout);
  if (c.authentication_timeout <= 0) {
    m.fail(m.get("authentication_timeout"), "authentication_timeout",
           "expected a positive duration (how long 3-D Secure may take)");
  }
  if (c.authentication_timeout >= c.reservation_ttl) {
    m.fail(m.has("authentication_timeout") ? m.get("authentication_timeout")
                                           : m.get("reservation_ttl"),
           "authentication_timeout",
           "expected less than reservation_ttl: the stock held for a shopper in 3-D Secure "
           "would lapse before the saga gives it back");
  }
  if (m.has("defects")) {
    YAML::Node list = m.get("defects");
    if (!list.IsSequence()) m.fail(list, "defects", "expected a list of defect names");
    for (const auto& d : list) {
      Defect defect;
      if (!d.IsScalar() || !parse_defect(d.Scalar(), defect)) {
        m.fail(d, "defects",
               "unknown defect '" + (d.IsScalar() ? d.Scalar() : std::string()) +
                   "'; run `checkride defects` for the list");
      }
      c.defects.enable(defect);
      s.defect_names.push_back(d.Scalar());
    }
  }
  m.finish();
}

}  // namespace checkride
