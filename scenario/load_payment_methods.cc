// `payment_methods:` in a world file: each user's own cards and wallets (docs/worlds.md), and
// the checks that tie what paid a seeded booking or order to them.
#include <algorithm>

#include "fakes/test_cards.h"
#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

bool same_holder(const std::string& a, const std::string& b) {
  return a == b || a.empty() || b.empty();
}

// An instrument's name is one per user across cards, wallets and stored value: a tool names
// it, and two of one name could not be told apart.
void check_named_once(const Scenario& s, const PaymentMethodSpec& m, MapReader& r,
                      const YAML::Node& n) {
  for (const auto& other : s.existing.payment_methods) {
    if (other.id == m.id && same_holder(other.user, m.user)) {
      r.fail(n, "id", "'" + m.id + "' is already a payment method of this user");
    }
  }
  for (const auto& other : s.existing.stored_value) {
    if (other.id == m.id && same_holder(other.user, m.user)) {
      r.fail(n, "id", "'" + m.id + "' is already an instrument of this user (stored_value)");
    }
  }
}

// pays_for: purchase (a booking or order made in the session) or an operation with money.
uint32_t pays_for(MapReader& r) {
  YAML::Node list = r.get("pays_for");
  if (!list.IsSequence()) r.fail(list, "pays_for", "expected a list of what it may pay for");
  uint32_t bits = 0;
  for (const auto& n : list) {
    const std::string name = n.IsScalar() ? n.Scalar() : "";
    ObjectOperation op = ObjectOperation::kNone;
    const bool pays = name == "purchase" || (parse_operation(name, op) && takes_payment(op));
    if (!pays) {
      r.fail(n, "pays_for",
             "expected purchase, change_flights, add_extras, change_payment, modify_items or "
             "exchange (what a payment can be for), got '" +
                 name + "'");
    }
    bits |= 1u << static_cast<int>(op);
  }
  return bits;
}

PaymentMethodSpec read_method(MapReader& r, const YAML::Node& n) {
  PaymentMethodSpec m;
  m.id = r.str("id", "");
  m.user = r.str("user", "");
  m.kind = r.str("kind", "card");
  m.brand = r.str("brand", "");
  m.last4 = r.str("last4", "");
  m.behaves_as = r.str("behaves_as", "pm_card_visa");
  if (m.id.empty() || m.id.size() > 256) r.fail(n, "id", "expected a name of 1 to 256 characters");
  if (m.kind != "card" && m.kind != "wallet") {
    r.fail(r.get("kind"), "kind", "expected card or wallet, got '" + m.kind + "'");
  }
  if (!m.last4.empty() &&
      (m.last4.size() != 4 ||
       !std::all_of(m.last4.begin(), m.last4.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
    r.fail(r.get("last4"), "last4", "expected four digits, got '" + m.last4 + "'");
  }
  if (find_test_card(m.behaves_as) == nullptr) {
    r.fail(r.get("behaves_as"), "behaves_as",
           "expected one of Stripe's test payment methods (pm_card_visa, "
           "pm_card_chargeDeclined, ...), got '" +
               m.behaves_as + "'");
  }
  return m;
}

}  // namespace

void load_payment_methods(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) {
    throw InputError(path, line_of(list), "payment_methods", "expected a list");
  }
  int i = 0;
  for (const auto& n : list) {
    std::string field = "payment_methods[" + std::to_string(i++) + "]";
    MapReader r(n, path, field);
    PaymentMethodSpec m = read_method(r, n);
    r.finish();
    m.origin = path;
    m.line = line_of(n);
    m.field = field;
    check_named_once(s, m, r, n);
    s.existing.payment_methods.push_back(std::move(m));
  }
}

// instrument_rules: [{prefix, pays_for: [purchase | OPERATION, ...]}]: what instruments so
// named may pay for; the first rule whose prefix names one applies.
void load_instrument_rules(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) {
    throw InputError(path, line_of(list), "instrument_rules", "expected a list");
  }
  int i = 0;
  for (const auto& n : list) {
    MapReader r(n, path, "instrument_rules[" + std::to_string(i++) + "]");
    InstrumentRule rule;
    rule.prefix = r.str("prefix", "");
    if (rule.prefix.empty()) r.fail(n, "prefix", "expected the start of instruments' names");
    for (const auto& other : s.instrument_rules) {
      if (other.prefix == rule.prefix) r.fail(n, "prefix", "'" + rule.prefix + "' has a rule");
    }
    if (r.has("pays_for")) rule.pays_for = pays_for(r);
    const std::string remainder = r.str("remainder", "keep");
    if (remainder != "keep" && remainder != "forfeit") {
      r.fail(r.get("remainder"), "remainder", "expected keep or forfeit, got '" + remainder + "'");
    }
    rule.forfeits_remainder = remainder == "forfeit";
    r.finish();
    rule.origin = path;
    rule.line = line_of(n);
    s.instrument_rules.push_back(std::move(rule));
  }
}

void check_paid_card(const Scenario& s, const std::string& card, const std::string& user,
                     const std::string& origin, int line, const std::string& field) {
  if (card.empty()) return;
  const bool held = std::any_of(s.existing.payment_methods.begin(),
                                s.existing.payment_methods.end(), [&](const PaymentMethodSpec& m) {
                                  return m.id == card && (m.user.empty() || m.user == user);
                                });
  if (held) return;
  throw InputError(origin, line, field + ".paid_card",
                   "expected a card or wallet of the world's payment_methods: that " +
                       (user.empty() ? std::string("every user") : "user '" + user + "'") +
                       " holds, got '" + card + "'");
}

}  // namespace checkride
