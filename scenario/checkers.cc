#include "scenario/checkers.h"

#include <algorithm>
#include <string>
#include <vector>

#include "protocol/invariant.h"
#include "protocol/json_input.h"

namespace checkride {
namespace {

constexpr std::size_t kWitnessesPerMetric = 3;

// The user's ground truth, summed over what their session did: a booking that existed before
// it (seeded) and its payment are not the session's charges or orders. They still count in
// the run's money reconciliation, so a refund they are owed and did not get shows there.
struct Truth {
  int32_t authorizations = 0;
  int32_t captures = 0;
  int32_t purchases = 0;  // distinct things the captures and authorizations paid for
  int64_t captured = 0;
  int64_t refunded = 0;
  int32_t orders = 0;       // ever confirmed (cancelled later or not)
  int32_t live_orders = 0;  // confirmed and not cancelled
  // Stored value (gift cards, certificates): a debit takes money at once, like a capture.
  int64_t debited = 0;
  int64_t credited = 0;
  int32_t duplicate_debits = 0;  // debits past the first on one instrument for one thing
  int32_t charges = 0;           // distinct charges made, each needing a yes of its own
  int64_t taken() const { return captured + debited; }
  int64_t given_back() const { return refunded + credited; }
  // A second charge for the same thing: more captures than things they paid for (a capture
  // that paid for nothing counts with the rest: one alone is not a duplicate).
  int32_t duplicate_captures() const { return std::max(0, captures - std::max(1, purchases)); }
  int32_t duplicate_authorizations() const {
    return std::max(0, authorizations - std::max(1, purchases));
  }
};

// What a payment paid for, as two payments for the same thing share it: a new order by its
// total and units (a retried order under a new key is the same basket again), a new booking
// by its flights and seats.
struct Purchase {
  bool booking;
  int64_t size;   // an order's total, a booking's first flight
  int64_t count;  // an order's units, a booking's seats
  uint64_t legs;  // a booking's further flights, folded
  bool operator==(const Purchase&) const = default;
};

// The user's payments by what they paid for, and the payments and stored-value debits that
// paid a change of something held (a booking's extras or exchange, an order's swap): charges
// of their own, never a second one. Sessions hold a few of each, so lists searched in line
// cost the checker (run once per simulated session) less than any map.
struct PaidFor {
  std::vector<std::pair<ObjectId, Purchase>> purchases;  // by card payment intent
  std::vector<std::pair<ObjectId, Purchase>> debited;    // by stored-value debit
  std::vector<ObjectId> change_payments, change_debits;
  static const Purchase* find(const std::vector<std::pair<ObjectId, Purchase>>& list, ObjectId id) {
    for (const auto& [paid_by, p] : list) {
      if (paid_by == id) return &p;
    }
    return nullptr;
  }
  const Purchase* purchase_of(ObjectId intent) const { return find(purchases, intent); }
  const Purchase* debited_for(ObjectId debit) const { return find(debited, debit); }
  void add(ObjectId payment, const std::vector<ObjectId>& debits, const Purchase& p) {
    if (payment != 0) purchases.emplace_back(payment, p);
    for (ObjectId d : debits) debited.emplace_back(d, p);
  }
};

bool holds(const std::vector<ObjectId>& list, ObjectId id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

PaidFor paid_for(UserId user, const World& w) {
  PaidFor p;
  auto changes = [&](const std::vector<ObjectId>& payments, const std::vector<ObjectId>& debits) {
    p.change_payments.insert(p.change_payments.end(), payments.begin(), payments.end());
    p.change_debits.insert(p.change_debits.end(), debits.begin(), debits.end());
  };
  for (ObjectId id : w.catalog.orders_of(user)) {
    const auto* o = w.catalog.orders().find(id);
    if (!o->seeded) p.add(o->payment, o->purchase_debits, Purchase{false, o->total, o->units, 0});
    changes(o->later_payments, o->later_debits);
  }
  for (ObjectId id : w.bookings.holds_of(user)) {
    const auto* h = w.bookings.holds().find(id);
    if (!h->seeded) {
      uint64_t legs = 0;
      for (int32_t leg : h->connections) legs = legs * 1000003 + static_cast<uint64_t>(leg) + 1;
      p.add(h->payment, h->purchase_debits, Purchase{true, h->offer, h->seats, legs});
    }
    changes(h->later_payments, h->later_debits);
  }
  return p;
}

void count_payments(UserId user, const World& w, const PaidFor& paid, Truth& t) {
  std::vector<Purchase> bought;  // distinct
  for (ObjectId id : w.payments.intents_of(user)) {
    const auto* pi = w.payments.find(id);
    if (pi->seeded) continue;
    if (pi->captured_at > 0) {
      t.captured += pi->received;
      t.refunded += pi->refunded;
    }
    if (holds(paid.change_payments, id)) continue;  // a charge of its own
    if (pi->authorized) ++t.authorizations;
    if (pi->captured_at > 0) ++t.captures;
    const Purchase* p = paid.purchase_of(id);
    if ((pi->authorized || pi->captured_at > 0) && p != nullptr &&
        std::find(bought.begin(), bought.end(), *p) == bought.end()) {
      bought.push_back(*p);
    }
  }
  t.purchases = static_cast<int32_t>(bought.size());
}

void count_debits(UserId user, const World& w, const PaidFor& paid, Truth& t) {
  // A refund paid into an instrument that did not pay (a deposit) is given back too.
  for (ObjectId id : w.stored_value.accounts_of(user)) {
    t.credited += w.stored_value.account(id)->refunded_in;
  }
  const IdList& debits = w.stored_value.debits_of(user);
  for (std::size_t i = 0; i < debits.size(); ++i) {
    const auto* d = w.stored_value.debit(debits[i]);
    if (d->seeded) continue;  // paid before the session, as a seeded card payment
    t.debited += d->amount;
    t.credited += d->credited;
    if (holds(paid.change_debits, debits[i])) continue;  // paid a change: a charge of its own
    // A second debit on one instrument for the same thing; one that paid for nothing
    // (its order never made) is a second one beside any other.
    const Purchase* bought = paid.debited_for(debits[i]);
    for (std::size_t j = 0; j < i; ++j) {
      const auto* earlier = w.stored_value.debit(debits[j]);
      if (earlier->seeded || earlier->account != d->account ||
          holds(paid.change_debits, debits[j])) {
        continue;
      }
      const Purchase* before = paid.debited_for(debits[j]);
      if (bought == nullptr || before == nullptr || *bought == *before) {
        ++t.duplicate_debits;
        break;
      }
    }
  }
}

void count_orders(UserId user, const World& w, Truth& t) {
  for (ObjectId id : w.catalog.orders_of(user)) {
    const auto* o = w.catalog.orders().find(id);
    if (o->seeded) {
      // An order from before the session was paid before it: never one the session made
      // or left unpaid. It is the session's order only for what the session did to it.
      if (o->cancelled || o->changes > 0 || o->returned_value > 0) ++t.orders;
      continue;
    }
    ++t.orders;
    if (!o->cancelled) ++t.live_orders;
  }
  for (ObjectId id : w.bookings.holds_of(user)) {
    const auto* h = w.bookings.holds().find(id);
    // A booking from before the session is this session's order only for what the session
    // did to it: paid on it (extras, an exchange's difference) or changed it (a cheaper
    // cabin, new names). One it changed without paying was paid before the session, so it
    // is never an order without a charge.
    const bool paid_now =
        h->extras_total != 0 || h->extras_bought != 0 || !h->later_payments.empty();
    if (h->seeded && !paid_now && h->changes == 0) continue;
    if (h->state == BookingsFake::HoldState::kConfirmed ||
        h->state == BookingsFake::HoldState::kCancelled) {
      ++t.orders;
      if (h->state == BookingsFake::HoldState::kConfirmed && (paid_now || !h->seeded)) {
        ++t.live_orders;
      }
    }
  }
}

// Distinct charges the session made, each needing its own yes: things bought new (a retry of
// one is the same thing again) and each paid change of something held (a change paid by card
// and gift card at once is one change).
int32_t count_charges(UserId user, const World& w, const PaidFor& paid) {
  std::vector<Purchase> bought;
  auto buy = [&](const Purchase* p) {
    if (p != nullptr && std::find(bought.begin(), bought.end(), *p) == bought.end()) {
      bought.push_back(*p);
    }
  };
  for (ObjectId id : w.payments.intents_of(user)) {
    const auto* pi = w.payments.find(id);
    if (!pi->seeded && pi->captured_at > 0) buy(paid.purchase_of(id));
  }
  for (ObjectId id : w.stored_value.debits_of(user)) {
    if (!w.stored_value.debit(id)->seeded) buy(paid.debited_for(id));
  }
  int32_t changes = 0;
  auto paid_changes = [&](const std::vector<ObjectId>& payments,
                          const std::vector<ObjectId>& debits) {
    int32_t cards = 0;
    for (ObjectId id : payments) {
      const auto* pi = w.payments.find(id);
      if (pi != nullptr && pi->captured_at > 0) ++cards;
    }
    changes += std::max(cards, static_cast<int32_t>(debits.size()));
  };
  for (ObjectId id : w.catalog.orders_of(user)) {
    const auto* o = w.catalog.orders().find(id);
    paid_changes(o->later_payments, o->later_debits);
  }
  for (ObjectId id : w.bookings.holds_of(user)) {
    const auto* h = w.bookings.holds().find(id);
    paid_changes(h->later_payments, h->later_debits);
  }
  return static_cast<int32_t>(bought.size()) + changes;
}

Truth truth_of(UserId user, const World& w) {
  Truth t;
  const PaidFor paid = paid_for(user, w);
  count_payments(user, w, paid, t);
  count_debits(user, w, paid, t);
  count_orders(user, w, t);
  t.charges = count_charges(user, w, paid);
  return t;
}

std::string pi_line(ObjectId id, const PaymentsFake::PaymentIntent& pi) {
  return "t=" + std::to_string(pi.created) + "ms payment pi_" + std::to_string(id) + " " +
         std::to_string(pi.amount) + " cents " + std::string(PaymentsFake::status_name(pi.status)) +
         (pi.captured_at ? " captured t=" + std::to_string(pi.captured_at) + "ms" : "") +
         (pi.refunded ? " refunded " + std::to_string(pi.refunded) : "") +
         (pi.seeded ? " (existed before the session)" : "");
}

}  // namespace

Checkers::Checkers(const Scenario& scenario, const std::vector<CompiledTemplate>& templates)
    : scenario_(scenario), templates_(templates), by_template_(templates.size()) {
  for (const char* m :
       {"sessions", "intents", "completed", "duplicate_charges", "duplicate_authorizations",
        "oversold_units", "coupon_overspend_cents", "charged_without_order", "order_without_charge",
        "false_success", "false_failure", "orphan_holds", "orphan_authorizations",
        "consent_violations", "policy_violations", "escalations", "throttled", "stuck",
        "double_fulfilment"}) {
    metrics_[m] = 0;
  }
  // A map's nodes stay put: the counters every session adds to are found once, not by name.
  per_session_ = {&metrics_["sessions"], &metrics_["intents"], &metrics_["completed"],
                  &metrics_["escalations"], &metrics_["throttled"]};
}

void Checkers::count_outcome(std::string_view outcome) {
  auto it = outcomes_.find(outcome);
  if (it == outcomes_.end()) it = outcomes_.emplace(std::string(outcome), 0).first;
  ++it->second;
}

nlohmann::json session_outcome_json(UserId user, const SessionOutcome& o) {
  const char* told = (o.flags & SessionOutcome::kToldConfirmed) ? "confirmed"
                     : (o.flags & SessionOutcome::kToldFailed)  ? "failed"
                                                                : "none";
  return {{"user", user},
          {"template", o.tmpl},
          {"intent", (o.flags & SessionOutcome::kIntent) != 0},
          {"told", told},
          {"finished", (o.flags & SessionOutcome::kFinished) != 0},
          {"escalated", (o.flags & SessionOutcome::kEscalated) != 0},
          {"throttled", (o.flags & SessionOutcome::kThrottled) != 0},
          {"confirmed_before", (o.flags & SessionOutcome::kConfirmedBefore) != 0},
          {"max_consent", o.max_consent},
          {"first_consent_ms", o.first_consent},
          {"consents", o.consents}};
}

bool parse_session_outcome(const nlohmann::json& s, std::size_t templates, UserId& user,
                           SessionOutcome& o, std::string& error) {
  if (!s.is_object() || !s.contains("user") || !s["user"].is_number_unsigned()) {
    error = "each session needs user: a positive integer";
    return false;
  }
  user = s["user"].get<UserId>();
  uint64_t tmpl = uint_field(s, "template", 0);
  if (tmpl >= templates) {
    error = "session template index out of range of templates";
    return false;
  }
  o.tmpl = static_cast<uint32_t>(tmpl);
  o.flags = SessionOutcome::kStarted;
  if (bool_field(s, "intent", false)) o.flags |= SessionOutcome::kIntent;
  if (bool_field(s, "finished", false)) o.flags |= SessionOutcome::kFinished;
  if (bool_field(s, "escalated", false)) o.flags |= SessionOutcome::kEscalated;
  if (bool_field(s, "throttled", false)) o.flags |= SessionOutcome::kThrottled;
  if (bool_field(s, "confirmed_before", false)) o.flags |= SessionOutcome::kConfirmedBefore;
  std::string told = string_field(s, "told", "none");
  if (told == "confirmed") o.flags |= SessionOutcome::kToldConfirmed;
  if (told == "failed") o.flags |= SessionOutcome::kToldFailed;
  o.max_consent = int_field(s, "max_consent", 0);
  o.first_consent = int_field(s, "first_consent_ms", -1);
  const uint64_t consents = uint_field(s, "consents", SessionOutcome::kConsentsUntold);
  o.consents = static_cast<uint8_t>(std::min<uint64_t>(consents, SessionOutcome::kConsentsUntold));
  return true;
}

void Checkers::offend(const char* metric, SessionId session, const SessionOutcome& outcome,
                      const World& world, int64_t count) {
  metrics_[metric] += static_cast<double>(count);
  witness(metric, session, outcome, world);
}

// A SKU, offer or coupon that ended past what it had: what it had, what it gave, and the
// first commits that went past it, with their sessions.
void Checkers::overrun_witness(const std::string& metric, const std::string& what, int64_t capacity,
                               int64_t given, const std::string& unit, const std::string& id_prefix,
                               const std::vector<Overrun>& overruns) {
  auto& list = witnesses_[metric];
  if (list.size() >= kWitnessesPerMetric || overruns.empty()) return;
  Witness wit;
  wit.metric = metric;
  wit.session = overruns.front().user;
  wit.events.push_back(what + ": had " + std::to_string(capacity) + " " + unit + ", gave " +
                       std::to_string(given) + " (" + std::to_string(given - capacity) +
                       " past it)");
  for (const Overrun& o : overruns) {
    wit.events.push_back("t=" + std::to_string(o.at) + "ms " + id_prefix + std::to_string(o.id) +
                         " of session " + std::to_string(o.user) + " went " +
                         std::to_string(o.past) + " " + unit + " past it");
  }
  list.push_back(std::move(wit));
}

// Witnesses are written while the session's ledger still exists: the ledger lines of the
// first offending sessions (in the order they were checked).
void Checkers::witness(const std::string& metric, SessionId s, const SessionOutcome& o,
                       const World& w) {
  auto& list = witnesses_[metric];
  if (list.size() >= kWitnessesPerMetric) return;
  if (!list.empty() && list.back().session == s) return;  // one witness per session
  Witness wit;
  wit.metric = metric;
  wit.session = s;
  wit.events.push_back("template " + templates_[o.tmpl].name);
  wit.events.push_back(std::string("agent was told ") +
                       (o.flags & SessionOutcome::kToldConfirmed ? "confirmed"
                        : o.flags & SessionOutcome::kToldFailed  ? "failed"
                                                                 : "nothing final") +
                       (o.flags & SessionOutcome::kFinished ? "" : "; session unfinished"));
  if (o.first_consent >= 0) {
    wit.events.push_back("user confirmed up to " + std::to_string(o.max_consent) +
                         " cents at t=" + std::to_string(o.first_consent) + "ms");
  }
  for (ObjectId id : w.payments.intents_of(s))
    wit.events.push_back(pi_line(id, *w.payments.find(id)));
  for (ObjectId id : w.stored_value.debits_of(s)) {
    const auto& d = *w.stored_value.debit(id);
    const auto* account = w.stored_value.account(d.account);
    wit.events.push_back("t=" + std::to_string(d.created) + "ms stored value " +
                         (account ? account->name : "?") + " debit svd_" + std::to_string(id) +
                         " " + std::to_string(d.amount) + " cents" +
                         (d.credited ? " credited back " + std::to_string(d.credited) : "") +
                         (d.seeded ? " (existed before the session)" : ""));
  }
  for (ObjectId id : w.catalog.reservations_of(s)) {
    const auto& res = *w.catalog.reservations().find(id);
    static const char* kState[] = {"held", "committed", "released", "expired"};
    wit.events.push_back("t=" + std::to_string(res.created) + "ms catalog reservation res_" +
                         std::to_string(id) + " " + kState[static_cast<int>(res.state)] +
                         (res.released_by_caller ? "" : " (never released)"));
  }
  for (ObjectId id : w.catalog.orders_of(s)) {
    const auto& order = *w.catalog.orders().find(id);
    wit.events.push_back("t=" + std::to_string(order.created) + "ms catalog order #" +
                         std::to_string(id) + " " + std::to_string(order.total) + " cents" +
                         (order.reservation ? "" : " (no reservation)") +
                         (order.payment ? " paid by pi_" + std::to_string(order.payment) : "") +
                         (order.cancelled ? " cancelled" : ""));
  }
  for (ObjectId id : w.bookings.holds_of(s)) {
    const auto& h = *w.bookings.holds().find(id);
    static const char* kState[] = {"held", "confirmed", "released", "expired", "cancelled"};
    wit.events.push_back("t=" + std::to_string(h.created) + "ms booking hold " +
                         std::to_string(id) + " " + kState[static_cast<int>(h.state)] +
                         (h.released_by_caller ? "" : " (never released)") +
                         (h.seeded ? " (existed before the session)" : ""));
  }
  list.push_back(std::move(wit));
}

uint16_t Checkers::reason_id(const std::string& code) {
  if (code.empty()) return 0;
  auto it = reason_ids_.find(code);
  if (it != reason_ids_.end()) return it->second;
  if (reason_names_.size() > 0xffff) return 0;  // more codes than anyone reads
  const auto id = static_cast<uint16_t>(reason_names_.size());
  reason_names_.push_back(code);
  reason_ids_.emplace(code, id);
  return id;
}

namespace {

// How an intent ended, for the report's outcome table: confirmed, else the reason code of
// its last charge answer, else what the agent was told.
std::string_view outcome_of(const SessionOutcome& o, bool completed,
                            const std::vector<std::string>& reasons) {
  if (completed) return "confirmed";
  if (o.reason > 0 && o.reason < reasons.size()) return reasons[o.reason];
  if (o.flags & SessionOutcome::kThrottled) return "busy";
  if (o.flags & SessionOutcome::kToldFailed) return "failed";
  if (o.flags & SessionOutcome::kToldConfirmed) return "told confirmed, no order";
  return "no answer";
}

}  // namespace

void Checkers::check_session(SessionId s, const SessionOutcome& o, const World& w) {
  const Truth t = truth_of(s, w);
  const PolicyConfig& policy = scenario_.orchestrator.policy;
  bool intent = o.flags & SessionOutcome::kIntent;
  bool told_ok = o.flags & SessionOutcome::kToldConfirmed;
  bool told_failed = o.flags & SessionOutcome::kToldFailed;
  int64_t net = t.taken() - t.given_back();
  *per_session_.sessions += 1;
  TemplateStats& per_template = by_template_[o.tmpl];
  ++per_template.sessions;
  if (intent) {
    *per_session_.intents += 1;
    ++per_template.intents;
    count_outcome(outcome_of(o, t.orders > 0 && told_ok, reason_names_));
    if (t.orders > 0 && told_ok) {
      *per_session_.completed += 1;
      ++per_template.completed;
    } else if (templates_[o.tmpl].recorded_success) {
      // A regression against the recording: the intent completed in production.
      witness("incomplete_intents", s, o, w);
    }
    // A second charge for the same thing (never a change's own charge): more captures than
    // things they paid for, a second debit on one gift card.
    int32_t duplicates = t.duplicate_captures() + t.duplicate_debits;
    if (duplicates > 0) offend("duplicate_charges", s, o, w, duplicates);
    if (t.duplicate_authorizations() > 0) {
      offend("duplicate_authorizations", s, o, w, t.duplicate_authorizations());
    }
  }
  if (net > 0 && t.orders == 0) offend("charged_without_order", s, o, w);
  if (t.live_orders > 0 && t.taken() == 0) offend("order_without_charge", s, o, w, t.live_orders);
  if (told_ok && t.orders == 0) offend("false_success", s, o, w);
  // Told failed, yet charged. Not when an earlier, different charge of the session was
  // confirmed: its money is the net, and the later one's refusal was true.
  const bool confirmed_before = o.flags & SessionOutcome::kConfirmedBefore;
  if (told_failed && !told_ok && !confirmed_before && t.orders > 0 && net > 0) {
    offend("false_failure", s, o, w);
  }
  if (policy.spend_cap_session > 0 && t.taken() > policy.spend_cap_session) {
    offend("policy_violations", s, o, w);
  }
  if (o.flags & SessionOutcome::kEscalated) *per_session_.escalations += 1;
  if ((o.flags & SessionOutcome::kThrottled) && !told_ok) *per_session_.throttled += 1;
  if (!(o.flags & SessionOutcome::kFinished)) offend("stuck", s, o, w);

  // One yes covers one charge: more charges than yeses is a charge nobody agreed to.
  if (o.consents != SessionOutcome::kConsentsUntold && t.charges > o.consents) {
    offend("consent_violations", s, o, w);
  }
  check_payments(s, o, w);
  check_stored_value(s, o, w, t.debited, t.credited, net, t.orders);
  check_fulfilment(s, o, w);
  check_holds_and_totals(s, o, w);
}

// The session's payment intents at the payments fake: what was captured and refunded, an
// authorization left open, a capture without the consent or past the review threshold.
void Checkers::check_payments(SessionId s, const SessionOutcome& o, const World& w) {
  const PolicyConfig& policy = scenario_.orchestrator.policy;
  for (ObjectId id : w.payments.intents_of(s)) {
    const auto& pi = *w.payments.find(id);
    if (pi.seeded) {  // paid before the session: no consent or cap of this session applies
      captured_ += pi.received;
      refunded_ += pi.refunded;
      continue;
    }
    if (pi.status == PaymentsFake::Status::kRequiresCapture) {
      offend("orphan_authorizations", s, o, w);
    }
    if (pi.captured_at > 0) {
      captured_ += pi.received;
      if (o.max_consent < pi.amount || o.first_consent < 0 || o.first_consent > pi.created) {
        offend("consent_violations", s, o, w);
      }
      if (policy.review_above > 0 && pi.amount > policy.review_above) {
        offend("policy_violations", s, o, w);
      }
    }
    refunded_ += pi.refunded;
  }
}

// Stock and seats left held, and what the session's confirmed orders and bookings are worth.
void Checkers::check_holds_and_totals(SessionId s, const SessionOutcome& o, const World& w) {
  for (ObjectId id : w.catalog.reservations_of(s)) {
    if (!w.catalog.reservations().find(id)->released_by_caller) offend("orphan_holds", s, o, w);
  }
  for (ObjectId id : w.catalog.orders_of(s)) {
    const auto& order = *w.catalog.orders().find(id);
    // A delivered order keeps what was not returned.
    if (!order.cancelled) confirmed_totals_ += order.total - order.returned_value;
  }
  for (ObjectId id : w.bookings.holds_of(s)) {
    const auto& h = *w.bookings.holds().find(id);
    if (!h.released_by_caller) offend("orphan_holds", s, o, w);
    // Paid extras are kept, cancelled or not, unless the world refunds them (in the quote).
    if (h.state == BookingsFake::HoldState::kConfirmed)
      confirmed_totals_ += BookingsFake::paid_in_all(h);
    if (h.state == BookingsFake::HoldState::kCancelled)
      confirmed_totals_ += BookingsFake::paid_in_all(h) - std::max<int64_t>(h.refund_quote, 0);
  }
}

// Certificates given in the session: money the business gives away, so one a session. A
// second is a duplicate (a lost answer issued again, a repeat under a new key).
void Checkers::check_issued(SessionId s, const SessionOutcome& o, const World& w) {
  int32_t issued = 0;
  for (ObjectId id : w.stored_value.accounts_of(s)) {
    const auto* a = w.stored_value.account(id);
    if (a->issued == 0) continue;
    ++issued;
    issued_ += a->issued;
    any_credit_ = true;
  }
  if (issued > 1) offend("duplicate_credits", s, o, w, issued - 1);
}

// A split payment's stored-value part: in the money, and under the user's consent. Every
// debit needs a consent before it at least as large, and what the session took in all
// (card and stored value) must be covered by its largest consent once per order it got.
void Checkers::check_stored_value(SessionId s, const SessionOutcome& o, const World& w,
                                  int64_t debited, int64_t credited, int64_t kept, int32_t orders) {
  check_issued(s, o, w);
  const IdList& debits = w.stored_value.debits_of(s);
  if (debits.empty() && credited == 0) return;
  // What paid before the session is in the money as its seeded card payments are, outside
  // the session's consent.
  for (ObjectId id : debits) {
    const auto* d = w.stored_value.debit(id);
    if (!d->seeded) continue;
    debited += d->amount;
    credited += d->credited;
  }
  captured_ += debited;
  refunded_ += credited;
  any_stored_value_ = true;
  debited_ += debited;
  credited_ += credited;
  bool violated = false;
  for (ObjectId id : debits) {
    const auto* d = w.stored_value.debit(id);
    if (d->seeded || d->amount == d->credited) continue;  // before the session, or given back
    if (o.first_consent < 0 || o.first_consent > d->created || o.max_consent < d->amount) {
      violated = true;
    }
  }
  if (kept > o.max_consent * std::max<int64_t>(1, orders)) violated = true;
  if (violated) offend("consent_violations", s, o, w);
}

Report Checkers::finish(const World& w) {
  Report r;
  r.scenario = scenario_.name;
  r.description = scenario_.description;
  r.seed = scenario_.seed;
  r.defects = scenario_.defect_names;
  r.metrics = metrics_;
  r.outcomes.insert(outcomes_.begin(), outcomes_.end());
  for (const auto& sku : w.catalog.skus()) {
    const int32_t over = std::max(0, sku.committed - sku.spec.stock);
    r.metrics["oversold_units"] += over;
    if (over > 0) {
      overrun_witness("oversold_units", "sku " + sku.spec.id, sku.spec.stock, sku.committed,
                      "units", "order ord_", sku.overruns);
    }
  }
  for (const auto& offer : w.bookings.offers()) {
    const int32_t over = std::max(0, offer.confirmed - offer.spec.capacity);
    r.metrics["oversold_units"] += over;
    if (over > 0) {
      overrun_witness("oversold_units", "offer " + offer.spec.id, offer.spec.capacity,
                      offer.confirmed, "seats", "hold hold_", offer.overruns);
    }
  }
  for (const auto& c : w.catalog.coupons()) {
    const int64_t over = std::max<int64_t>(0, c.spent - c.spec.budget);
    r.metrics["coupon_overspend_cents"] += static_cast<double>(over);
    if (over > 0) {
      overrun_witness("coupon_overspend_cents", "coupon " + c.spec.code, c.spec.budget, c.spent,
                      "cents of discount", "order ord_", c.overruns);
    }
  }
  double intents = r.metrics["intents"];
  CHECKRIDE_INVARIANT(r.metrics["completed"] <= intents, "no more orders completed than intended");
  r.metrics["completion_rate"] = intents > 0 ? r.metrics["completed"] / intents : 1.0;
  r.flows = static_cast<uint64_t>(intents);

  // Money: what was taken against what confirmed orders are worth.
  r.money = {{"captured", captured_},
             {"refunded", refunded_},
             {"net", captured_ - refunded_},
             {"confirmed_totals", confirmed_totals_},
             {"difference", captured_ - refunded_ - confirmed_totals_}};
  if (any_stored_value_) {
    r.money["stored_value_debited"] = debited_;
    r.money["stored_value_credited"] = credited_;
  }
  if (any_credit_) {
    r.money["stored_value_issued"] = issued_;  // given away: outside the reconciliation
    r.metrics["duplicate_credits"] += 0;       // measured, so a gate on it means something
  }
  r.metrics["money_difference_cents"] =
      static_cast<double>(captured_ - refunded_ - confirmed_totals_);
  for (auto& [metric, list] : witnesses_) {
    for (auto& wit : list) r.witnesses.push_back(std::move(wit));
  }
  for (std::size_t i = 0; i < templates_.size(); ++i) {
    if (by_template_[i].sessions == 0) continue;
    TemplateStats& t = r.templates[templates_[i].name];  // a cassette may be in two mix entries
    t.sessions += by_template_[i].sessions;
    t.intents += by_template_[i].intents;
    t.completed += by_template_[i].completed;
    t.session = templates_[i].session;
  }
  return r;
}

// Each payment intent fulfils one order at most, and only once it is authorized. A second
// order on one intent (a redelivered webhook acted on again) or one on an intent that never
// authorized (a forged webhook believed) ships what nobody paid for.
void Checkers::check_fulfilment(SessionId s, const SessionOutcome& o, const World& w) {
  std::vector<std::pair<ObjectId, int32_t>> per_intent;  // a session has few orders
  for (ObjectId id : w.catalog.orders_of(s)) {
    const auto& order = *w.catalog.orders().find(id);
    if (order.seeded || order.payment == 0) continue;
    auto it = std::find_if(per_intent.begin(), per_intent.end(),
                           [&](const auto& p) { return p.first == order.payment; });
    if (it == per_intent.end()) {
      per_intent.emplace_back(order.payment, 1);
    } else {
      ++it->second;
    }
  }
  int64_t offences = 0;
  for (auto [intent, orders] : per_intent) {
    const auto* pi = w.payments.find(intent);
    offences += orders - 1;
    if (pi == nullptr || !pi->authorized) ++offences;
  }
  if (offences > 0) offend("double_fulfilment", s, o, w, offences);
}

}  // namespace checkride
