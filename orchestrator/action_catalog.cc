#include "orchestrator/action_catalog.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>
#include <set>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "orchestrator/params_schema.h"
#include "orchestrator/saga_steps.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/invariant.h"
#include "protocol/luhn.h"
#include "protocol/user_regex.h"
#include "protocol/yaml_json.h"

namespace checkride {
namespace {

struct HandlerName {
  const char* name;
  Handler handler;
};
constexpr HandlerName kHandlers[] = {
    {"search_catalog", Handler::kSearchCatalog},
    {"preview_order", Handler::kPreviewOrder},
    {"place_order", Handler::kPlaceOrder},
    {"cancel_order", Handler::kCancelOrder},
    {"search_availability", Handler::kSearchAvailability},
    {"create_booking", Handler::kCreateBooking},
    {"confirm_booking", Handler::kConfirmBooking},
    {"cancel_booking", Handler::kCancelBooking},
    {"find_booking", Handler::kFindBooking},
    {"lookup", Handler::kLookup},
    {"change_booking", Handler::kChangeBooking},
    {"change_order", Handler::kChangeOrder},
    {"return_order", Handler::kReturnOrder},
    {"add_extras", Handler::kAddExtras},
    {"change_flights", Handler::kChangeFlights},
    {"modify_order_items", Handler::kModifyItems},
    {"exchange_items", Handler::kExchangeItems},
    {"change_payment", Handler::kChangePayment},
    {"issue_credit", Handler::kIssueCredit},
    {"change_profile", Handler::kChangeProfile},
};

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::string joined_handlers(const std::vector<SagaPlan>& plans) {
  std::string out;
  for (const auto& h : kHandlers) out += (out.empty() ? "" : ", ") + std::string(h.name);
  for (std::size_t i = builtin_plans().size(); i < plans.size(); ++i) out += ", " + plans[i].name;
  return out;
}

// The handler a saga family's built-in plan runs under: the built-in plans are named after
// their handlers.
Handler handler_of(SagaKind kind) {
  const std::string& name = builtin_plan(kind).name;
  for (const auto& known : kHandlers) {
    if (name == known.name) return known.handler;
  }
  CHECKRIDE_INVARIANT(false, "a built-in plan is named after no handler");
  return Handler::kPlaceOrder;
}

// An action's `handler:` is a built-in handler or a saga the catalog declares; a saga
// handler also names the plan its sagas walk.
bool resolve_handler(const std::string& name, const std::vector<SagaPlan>& plans,
                     ActionSpec& spec) {
  for (const auto& known : kHandlers) {
    if (name != known.name) continue;
    spec.handler = known.handler;
    for (std::size_t i = 0; i < builtin_plans().size(); ++i) {
      if (builtin_plans()[i].name == name) spec.plan = static_cast<uint8_t>(i);
    }
    return true;
  }
  for (std::size_t i = builtin_plans().size(); i < plans.size(); ++i) {
    if (plans[i].name != name) continue;
    spec.handler = handler_of(plans[i].kind);
    spec.plan = static_cast<uint8_t>(i);
    return true;
  }
  return false;
}

// Every step kind's name, for messages.
std::string step_names() {
  std::string out;
  for (std::size_t i = 0; i < kStepCount; ++i) {
    const Step s = static_cast<Step>(i);
    if (s == Step::kDone) continue;
    out += (out.empty() ? "" : ", ") + std::string(step_name(s));
  }
  return out;
}

std::string builtin_names() {
  std::string out;
  for (const SagaPlan& p : builtin_plans()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

// One declared step: a step kind's name, or {step, for_each} stating its repetition. Only
// the stored-value steps repeat, once per part of `payments`; an itinerary's flights and an
// order's lines go to the provider in one atomic call, so nothing is left half done.
Step parse_declared_step(const YAML::Node& s, const std::string& origin, const std::string& field) {
  const YAML::Node name = s.IsMap() ? s["step"] : s;
  Step step;
  if (!name || !name.IsScalar() || !parse_step(name.Scalar(), step)) {
    throw InputError(origin, line_of(s), field,
                     "unknown step '" + (name && name.IsScalar() ? name.Scalar() : "?") +
                         "'; expected one of " + step_names() +
                         " (or {step: NAME, for_each: payments})");
  }
  if (!s.IsMap()) return step;
  for (const auto& kv : s) {
    const std::string key = kv.first.Scalar();
    if (key == "step") continue;
    if (key != "for_each") {
      throw InputError(origin, line_of(kv.first), field + "." + key,
                       "unknown key; expected step, for_each");
    }
    const StepKind* kind = step_kind(step);
    if (!kv.second.IsScalar() || kv.second.Scalar() != "payments" || kind == nullptr ||
        !kind->per_tender) {
      throw InputError(origin, line_of(kv.second), field + ".for_each",
                       "only check_balance, debit and recredit repeat, with for_each: payments "
                       "(once per stored-value part, each with its own key); hold and reserve "
                       "send every flight or line in one atomic call, so they do not repeat");
    }
  }
  return step;
}

SagaPlan parse_saga(const YAML::Node& entry, const std::string& origin, const std::string& field,
                    const std::vector<SagaPlan>& plans) {
  if (!entry.IsMap()) throw InputError(origin, line_of(entry), field, "expected a mapping");
  SagaPlan plan;
  bool have_like = false, have_steps = false;
  for (const auto& kv : entry) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name" && v.IsScalar()) {
      plan.name = v.Scalar();
    } else if (key == "like" && v.IsScalar()) {
      for (const SagaPlan& builtin : builtin_plans()) {
        if (builtin.name != v.Scalar()) continue;
        plan.kind = builtin.kind;
        plan.started = builtin.started;
        plan.done_status = builtin.done_status;
        have_like = true;
      }
      if (!have_like) {
        throw InputError(
            origin, line_of(v), field + ".like",
            "expected a built-in handler (" + builtin_names() + "), got '" + v.Scalar() + "'");
      }
    } else if (key == "steps" && v.IsSequence()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        plan.steps.push_back(
            parse_declared_step(v[i], origin, field + ".steps[" + std::to_string(i) + "]"));
      }
      have_steps = true;
    } else {
      throw InputError(origin, line_of(kv.first), field + "." + key,
                       key == "name" || key == "like" || key == "steps"
                           ? "wrong type"
                           : "unknown key; expected name, like, steps");
    }
  }
  if (plan.name.empty()) throw InputError(origin, line_of(entry), field + ".name", "missing");
  if (!have_like) throw InputError(origin, line_of(entry), field + ".like", "missing");
  if (!have_steps) throw InputError(origin, line_of(entry), field + ".steps", "missing");
  ActionSpec clash;
  if (resolve_handler(plan.name, plans, clash)) {
    throw InputError(origin, line_of(entry["name"]), field + ".name",
                     "'" + plan.name + "' is already a handler");
  }
  if (std::string why = check_declared_plan(plan); !why.empty()) {
    throw InputError(origin, line_of(entry["steps"]), field + ".steps", why);
  }
  return plan;
}

// `sagas:` handlers declared from the built-in step kinds, without C++.
void parse_sagas(const YAML::Node& node, const std::string& origin, std::vector<SagaPlan>& plans) {
  if (!node.IsSequence()) throw InputError(origin, line_of(node), "sagas", "expected a list");
  int index = 0;
  for (const auto& entry : node) {
    std::string field = "sagas[" + std::to_string(index++) + "]";
    if (plans.size() >= 250) throw InputError(origin, line_of(entry), field, "too many sagas");
    plans.push_back(parse_saga(entry, origin, field, plans));
  }
}

// `error_patterns:` a list of regular expressions, each checked here so that a bad one is
// a load error naming its line, not a surprise at import time.
std::vector<std::string> parse_error_patterns(const YAML::Node& node, const std::string& origin) {
  if (!node.IsSequence()) {
    throw InputError(origin, line_of(node), "error_patterns",
                     "expected a list of regular expressions");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string field = "error_patterns[" + std::to_string(i) + "]";
    if (!node[i].IsScalar()) {
      throw InputError(origin, line_of(node[i]), field, "expected a regular expression");
    }
    std::regex check;
    std::string error;
    if (!compile_user_regex(node[i].Scalar(), std::regex::ECMAScript | std::regex::icase, check,
                            error)) {
      throw InputError(origin, line_of(node[i]), field, error);
    }
    out.push_back(node[i].Scalar());
  }
  return out;
}

// The value at `pointer`, or nullptr when absent. The pointer's syntax was checked when the
// catalog loaded; an array index too large for any array (nlohmann throws out_of_range on
// it) is absent too.
const nlohmann::json* at_pointer(const nlohmann::json& doc, const std::string& pointer) {
  if (pointer.empty()) return nullptr;
  try {
    nlohmann::json::json_pointer ptr(pointer);
    if (!doc.contains(ptr)) return nullptr;
    return &doc.at(ptr);
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

constexpr int64_t kMaxAmountScale = 1000000;
// Far above any real order, far below where doubles lose whole cents.
constexpr double kMaxMinorUnits = 1e15;
// The most units or seats one action may name.
constexpr int64_t kMaxCount = 1000000;

int64_t parse_amount_scale(const YAML::Node& v, const std::string& origin,
                           const std::string& field) {
  int64_t scale = 0;
  try {
    scale = v.as<int64_t>();
  } catch (const YAML::Exception&) {
  }
  if (scale < 1 || scale > kMaxAmountScale) {
    throw InputError(origin, line_of(v), field,
                     "expected the minor units per unit of the tools' money, like 1 (cents) or "
                     "100 (dollars), got '" +
                         (v.IsScalar() ? v.Scalar() : "?") + "'");
  }
  return scale;
}

// A money value from params in minor units: an integer when the scale is 1, else any
// non-negative number (dollars with cents), rounded to the minor unit.
bool minor_units(const nlohmann::json& v, int64_t scale, int64_t& out) {
  if (scale <= 1) {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > kMaxMinorUnits))
      return false;
    out = v.get<int64_t>();
    return out >= 0 && out <= kMaxMinorUnits;
  }
  if (!v.is_number()) return false;
  double minor = v.get<double>() * static_cast<double>(scale);
  if (!(minor >= 0 && minor <= kMaxMinorUnits)) return false;
  out = std::llround(minor);
  return true;
}

// A list of JSON pointers whose values compose one input, each checked like a single one.
std::vector<std::string> parse_pointer_list(const YAML::Node& list, const std::string& origin,
                                            const std::string& field) {
  std::vector<std::string> out;
  for (const auto& p : list) {
    bool ok = p.IsScalar() && !p.Scalar().empty() && p.Scalar()[0] == '/';
    if (ok) {
      try {
        nlohmann::json::json_pointer check(p.Scalar());
      } catch (const nlohmann::json::exception&) {
        ok = false;
      }
    }
    if (!ok) {
      throw InputError(origin, line_of(p), field,
                       "expected a list of JSON pointers starting with '/'");
    }
    out.push_back(p.Scalar());
  }
  if (out.size() < 2 || out.size() > 8) {
    throw InputError(origin, line_of(list), field, "expected 2 to 8 JSON pointers to compose");
  }
  return out;
}

// Instrument name prefixes: a non-empty list of non-empty strings.
std::vector<std::string> parse_prefixes(const YAML::Node& list, const std::string& origin,
                                        const std::string& field) {
  if (!list.IsSequence() || list.size() == 0 || list.size() > 32) {
    throw InputError(origin, line_of(list), field, "expected a list of 1 to 32 name prefixes");
  }
  std::vector<std::string> out;
  for (const auto& p : list) {
    if (!p.IsScalar() || p.Scalar().empty() || p.Scalar().size() > 64) {
      throw InputError(origin, line_of(p), field, "expected a prefix of 1 to 64 characters");
    }
    out.push_back(p.Scalar());
  }
  return out;
}

// The string-valued handler inputs of a mapping: JSON pointers into the params, or the
// names of fields inside each element of a list they point at.
struct MappingKey {
  const char* name;
  std::string ParamMapping::*member;
  bool pointer;
};
constexpr MappingKey kMappingKeys[] = {
    {"items", &ParamMapping::items, true},
    {"item_sku", &ParamMapping::item_sku, false},
    {"item_quantity", &ParamMapping::item_quantity, false},
    {"sku", &ParamMapping::sku, true},
    {"quantity", &ParamMapping::quantity, true},
    {"coupon", &ParamMapping::coupon, true},
    {"max_total", &ParamMapping::max_total, true},
    {"query", &ParamMapping::query, true},
    {"offer", &ParamMapping::offer, true},
    {"reference", &ParamMapping::reference, true},
    {"seats", &ParamMapping::seats, true},
    {"details", &ParamMapping::details, true},
    {"reason", &ParamMapping::reason, true},
    {"seats_count", &ParamMapping::seats_count, true},
    {"max_total_sum", &ParamMapping::max_total_sum, true},
    {"max_total_field", &ParamMapping::max_total_field, false},
    {"join", &ParamMapping::join, false},
    {"payments", &ParamMapping::payments, true},
    {"payment_instrument", &ParamMapping::payment_instrument, false},
    {"payment_amount", &ParamMapping::payment_amount, false},
    {"legs", &ParamMapping::legs, true},
    {"skus", &ParamMapping::skus, true},
    {"extras", &ParamMapping::extras, true},
    {"new_skus", &ParamMapping::new_skus, true},
    {"credit", &ParamMapping::credit, true},
};

std::string known_mapping_keys() {
  std::string out;
  for (const MappingKey& k : kMappingKeys) out += std::string(out.empty() ? "" : ", ") + k.name;
  return out + ", amount_scale, stored_value, cards, leg_offer";
}

void check_pointer(const std::string& value, const YAML::Node& v, const std::string& origin,
                   const std::string& where) {
  try {
    nlohmann::json::json_pointer check(value);
  } catch (const nlohmann::json::exception&) {
    throw InputError(
        origin, line_of(v), where,
        "not a JSON pointer (RFC 6901: '~' must be followed by 0 or 1): '" + value + "'");
  }
}

// One string-valued key: a pointer must be one (RFC 6901), a field name is taken as it is.
void parse_mapping_string(const MappingKey& key, const YAML::Node& v, const std::string& origin,
                          const std::string& where, ParamMapping& m) {
  if (!v.IsScalar()) {
    throw InputError(origin, line_of(v), where,
                     key.pointer ? "expected a JSON pointer string" : "expected a field name");
  }
  const std::string& value = v.Scalar();
  if (key.pointer && (value.empty() || value[0] != '/')) {
    throw InputError(origin, line_of(v), where,
                     "expected a JSON pointer starting with '/', got '" + value + "'");
  }
  if (key.pointer) check_pointer(value, v, origin, where);
  m.*key.member = value;
}

// `extras: {ID: /pointer}`: each of the world's extras the call sets, and where its count is.
std::vector<std::pair<std::string, std::string>> parse_declared_extras(const YAML::Node& map,
                                                                       const std::string& origin,
                                                                       const std::string& where) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : map) {
    const std::string id = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (id.empty() || id.size() > 64) {
      throw InputError(origin, line_of(kv.first), where,
                       "expected an extra's id (1 to 64 characters)");
    }
    if (!kv.second.IsScalar() || kv.second.Scalar().empty() || kv.second.Scalar()[0] != '/') {
      throw InputError(origin, line_of(kv.second), where + "." + id,
                       "expected a JSON pointer to the booking's new count of '" + id + "'");
    }
    check_pointer(kv.second.Scalar(), kv.second, origin, where + "." + id);
    out.emplace_back(id, kv.second.Scalar());
  }
  if (out.empty() || out.size() > 16) {
    throw InputError(origin, line_of(map), where, "expected 1 to 16 extras");
  }
  return out;
}

void parse_mapping(const YAML::Node& node, const std::string& origin, const std::string& field,
                   ParamMapping& m) {
  const std::set<std::string> composable = {"query", "offer", "reference", "details"};
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string where = field + ".map." + key;
    if (key == "leg_offer") {
      m.leg_offer = kv.second.IsSequence() ? parse_prefixes(kv.second, origin, where)
                                           : std::vector<std::string>{kv.second.Scalar()};
      if (m.leg_offer.front().empty() || m.leg_offer.size() > 8) {
        throw InputError(origin, line_of(kv.second), where, "expected 1 to 8 field names");
      }
      for (const std::string& part : m.leg_offer) {
        if (part.front() == '/') check_pointer(part, kv.second, origin, where);
      }
    } else if (key == "stored_value" || key == "cards") {
      (key == "cards" ? m.card_prefixes : m.stored_value_prefixes) =
          parse_prefixes(kv.second, origin, where);
    } else if (composable.count(key) && kv.second.IsSequence()) {
      m.composed[key] = parse_pointer_list(kv.second, origin, where);
    } else if (key == "extras" && kv.second.IsMap()) {
      m.declared_extras = parse_declared_extras(kv.second, origin, where);
    } else if (key == "amount_scale") {
      m.amount_scale = parse_amount_scale(kv.second, origin, where);
    } else {
      const MappingKey* known = nullptr;
      for (const MappingKey& k : kMappingKeys) {
        if (key == k.name) known = &k;
      }
      if (known == nullptr) {
        throw InputError(origin, line_of(kv.first), where,
                         "unknown handler input; expected one of " + known_mapping_keys());
      }
      parse_mapping_string(*known, kv.second, origin, where, m);
    }
  }
  if (!m.legs.empty() && m.leg_offer.empty()) {
    throw InputError(origin, line_of(node), field + ".map.leg_offer",
                     "legs needs leg_offer: the fields that name each flight's offer");
  }
  if (!m.payments.empty() && m.stored_value_prefixes.empty()) {
    throw InputError(origin, line_of(node), field + ".map.stored_value",
                     "payments needs stored_value: the name prefixes of stored-value "
                     "instruments (e.g. [gift_card_, certificate_])");
  }
}

// One key of an action: what it sets in `spec`. Throws InputError naming the field.
void parse_action_key(const YAML::Node& key_node, const YAML::Node& v, const std::string& origin,
                      const std::string& field, const std::vector<SagaPlan>& plans,
                      ActionSpec& spec, bool& have_handler) {
  const std::string key = key_node.Scalar();
  if (key == "name") {
    spec.name = v.as<std::string>();
  } else if (key == "handler") {
    std::string h = v.as<std::string>();
    have_handler = resolve_handler(h, plans, spec);
    if (!have_handler) {
      throw InputError(origin, line_of(v), field + ".handler",
                       "unknown handler '" + h + "'; expected one of " + joined_handlers(plans));
    }
  } else if (key == "charge") {
    spec.charge = v.as<bool>();
  } else if (key == "scopes") {
    if (!v.IsSequence()) throw InputError(origin, line_of(v), field + ".scopes", "expected a list");
    for (const auto& s : v) {
      uint32_t bit;
      if (!parse_scope(s.as<std::string>(), bit)) {
        throw InputError(origin, line_of(s), field + ".scopes",
                         "unknown scope '" + s.as<std::string>() +
                             "'; expected catalog:read, orders:write, payments:charge or "
                             "bookings:write");
      }
      spec.scopes |= bit;
    }
  } else if (key == "params") {
    spec.schema_json = yaml_to_json(v);
  } else if (key == "map") {
    if (!v.IsMap()) throw InputError(origin, line_of(v), field + ".map", "expected a mapping");
    parse_mapping(v, origin, field, spec.mapping);
  } else if (key == "describes") {
    if (!v.IsMap() || !v["booking"] || v.size() != 1 || !v["booking"].IsMap()) {
      throw InputError(origin, line_of(v), field + ".describes",
                       "expected {booking: {reference: /…, offer: /…, seats_count: /…, "
                       "max_total: /…}}: where the result names the booking it describes");
    }
    parse_mapping(v["booking"], origin, field + ".describes.booking", spec.result_mapping);
    spec.describes_booking = true;
  } else if (key == "description") {
    spec.description = v.as<std::string>();
  } else if (key == "money") {
    spec.money = parse_money_statement(v, origin, field + ".money");
  } else if (key == "result_id") {
    const std::string p = v.IsScalar() ? v.Scalar() : "";
    bool ok = !p.empty() && p[0] == '/';
    try {
      if (ok) nlohmann::json::json_pointer check(p);
    } catch (const nlohmann::json::exception&) {
      ok = false;
    }
    if (!ok) {
      throw InputError(origin, line_of(v), field + ".result_id",
                       "expected a JSON pointer ('/reservation_id') to the new object's id in "
                       "the result");
    }
    spec.result_id = p;
  } else {
    throw InputError(origin, line_of(key_node), field + "." + key,
                     "unknown key; expected name, handler, charge, scopes, params, map, "
                     "describes, money, result_id, description");
  }
}

// What an action needs whole, and what its parts must agree on; its schema compiled.
void check_action(ActionSpec& spec, bool have_handler, const YAML::Node& node,
                  const std::string& origin, const std::string& field, const ActionCatalog& catalog,
                  int64_t catalog_scale) {
  if (spec.name.empty()) throw InputError(origin, line_of(node), field + ".name", "missing");
  if (!have_handler) throw InputError(origin, line_of(node), field + ".handler", "missing");
  if (!spec.schema_json.is_object()) {
    throw InputError(origin, line_of(node), field + ".params", "missing JSON Schema object");
  }
  if (catalog.actions().count(spec.name)) {
    throw InputError(origin, line_of(node), field + ".name",
                     "duplicate action '" + spec.name + "'");
  }
  std::string schema_path, schema_error;
  spec.schema = compile_params_schema(spec.schema_json, schema_path, schema_error);
  if (!spec.schema) {
    throw InputError(origin, line_of(node["params"]), field + ".params" + schema_path,
                     "invalid JSON Schema in action '" + spec.name + "': " + schema_error);
  }
  if (spec.mapping.amount_scale == 0) spec.mapping.amount_scale = catalog_scale;
  if (spec.result_mapping.amount_scale == 0) spec.result_mapping.amount_scale = catalog_scale;
  if (spec.describes_booking && spec.handler != Handler::kLookup &&
      spec.handler != Handler::kFindBooking) {
    throw InputError(origin, line_of(node["describes"]), field + ".describes",
                     "only a lookup (handler: lookup or find_booking) describes a booking");
  }
  if (!spec.mapping.payments.empty()) {
    // What pays (a debit step), or where a refund goes (a plan that can pay one elsewhere).
    const std::vector<Step>& steps = catalog.plan(spec.plan).steps;
    auto has = [&](Step step) {
      return std::find(steps.begin(), steps.end(), step) != steps.end();
    };
    if (!has(Step::kDebit) && !has(Step::kDepositRefund)) {
      throw InputError(origin, line_of(node["map"]), field + ".map.payments",
                       "a split payment needs a plan with a debit step, and a refund's "
                       "destination one with deposit_refund; '" +
                           catalog.plan(spec.plan).name + "' has neither");
    }
  }
}

ActionSpec parse_action(const YAML::Node& node, const std::string& origin, const std::string& field,
                        const ActionCatalog& catalog, int64_t catalog_scale) {
  if (!node.IsMap()) throw InputError(origin, line_of(node), field, "expected a mapping");
  ActionSpec spec;
  bool have_handler = false;
  for (const auto& kv : node) {
    try {
      parse_action_key(kv.first, kv.second, origin, field, catalog.plans(), spec, have_handler);
    } catch (const YAML::Exception& e) {
      throw InputError(origin, line_of(kv.second), field + "." + kv.first.Scalar(),
                       "wrong type: " + e.msg);
    }
  }
  check_action(spec, have_handler, node, origin, field, catalog, catalog_scale);
  return spec;
}

}  // namespace

const char* handler_name(Handler h) { return kHandlers[static_cast<int>(h)].name; }

ActionCatalog ActionCatalog::from_yaml_text(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(origin, e.mark.line + 1, "", "malformed YAML: " + e.msg);
  }
  if (!root.IsMap() || !root["actions"] || !root["actions"].IsSequence()) {
    throw InputError(origin, line_of(root), "actions", "expected a list under 'actions'");
  }
  ActionCatalog catalog;
  int64_t catalog_scale = 1;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (key == "error_patterns") {
      catalog.error_patterns_ = parse_error_patterns(kv.second, origin);
    } else if (key == "sagas") {
      parse_sagas(kv.second, origin, catalog.plans_);
    } else if (key == "amount_scale") {
      catalog_scale = parse_amount_scale(kv.second, origin, "amount_scale");
      catalog.amount_scale_ = catalog_scale;
    } else if (key == "consent") {
      std::string policy = kv.second.IsScalar() ? kv.second.Scalar() : "";
      if (policy != "stated_amount" && policy != "user_turn_before_call") {
        throw InputError(origin, line_of(kv.second), "consent",
                         "expected stated_amount or user_turn_before_call");
      }
      catalog.consent_from_turn_before_call_ = policy == "user_turn_before_call";
    } else if (key != "actions") {
      throw InputError(origin, line_of(kv.first), key,
                       "unknown key; expected 'actions', 'sagas', 'amount_scale', 'consent' or "
                       "'error_patterns'");
    }
  }
  int index = 0;
  for (const auto& node : root["actions"]) {
    std::string field = "actions[" + std::to_string(index++) + "]";
    ActionSpec spec = parse_action(node, origin, field, catalog, catalog_scale);
    std::string name = spec.name;
    catalog.actions_.emplace(name, std::move(spec));
  }
  return catalog;
}

bool creates_new_object(Handler h) {
  return h == Handler::kPlaceOrder || h == Handler::kCreateBooking || h == Handler::kConfirmBooking;
}

ActionCatalog ActionCatalog::from_file(const std::string& path) {
  return from_yaml_text(read_input_file(path, "action catalog"), path);
}

const ActionCatalog& ActionCatalog::default_catalog() {
  static const ActionCatalog catalog = from_yaml_text(default_yaml(), "<default actions>");
  return catalog;
}

nlohmann::json ActionCatalog::openai_tools() const {
  nlohmann::json tools = nlohmann::json::array();
  for (const auto& [name, spec] : actions_) {
    nlohmann::json fn = {{"name", name}, {"parameters", spec.schema_json}};
    if (!spec.description.empty()) fn["description"] = spec.description;
    tools.push_back({{"type", "function"}, {"function", fn}});
  }
  return tools;
}

const SagaPlan& ActionCatalog::plan(uint8_t index) const {
  CHECKRIDE_INVARIANT(index < plans_.size(), "a saga names a plan its catalog does not have");
  return plans_[index];
}

const ActionSpec* ActionCatalog::find(const std::string& name) const {
  auto it = actions_.find(name);
  return it == actions_.end() ? nullptr : &it->second;
}

bool ActionCatalog::validate(const ActionSpec& spec, const nlohmann::json& params,
                             std::string& error) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(params);
  try {
    if (validator.validate(*spec.schema, target, &results)) return true;
  } catch (const std::exception& e) {  // a schema valijson took but cannot apply
    error = std::string("params: the action's schema could not be applied: ") + e.what();
    return false;
  }
  // The deepest error is the most specific one.
  valijson::ValidationResults::Error best;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    if (e.context.size() >= best.context.size()) best = e;
  }
  // valijson's context reads "<root>", "[items]", "[0]": turn it into a JSON pointer.
  std::string path;
  for (std::size_t i = 1; i < best.context.size(); ++i) {
    std::string part = best.context[i];
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      part = part.substr(1, part.size() - 2);
    }
    if (part.size() >= 2 && part.front() == '"' && part.back() == '"') {
      part = part.substr(1, part.size() - 2);
    }
    path += "/" + part;
  }
  error = "params" + path + ": " + best.description;
  return false;
}

bool ActionCatalog::map_inputs(const ActionSpec& spec, const nlohmann::json& params,
                               HandlerInput& out, std::string& error) const {
  return map_with(spec.mapping, params, out, error);
}

bool ActionCatalog::map_result(const ActionSpec& spec, const nlohmann::json& result,
                               HandlerInput& out, std::string& error) const {
  if (!spec.describes_booking) return false;
  return map_with(spec.result_mapping, result, out, error);
}

namespace {

bool has_prefix(const std::string& name, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return name.rfind(p, 0) == 0; });
}

// One instrument's name, told apart as stored value or card by the mapping's prefixes.
bool classify(const ParamMapping& m, const std::string& where, TenderInput& t, std::string& error) {
  if (t.instrument.empty() || t.instrument.size() > 256) {
    error = where + ": expected an instrument name of 1 to 256 characters";
    return false;
  }
  t.stored_value = has_prefix(t.instrument, m.stored_value_prefixes);
  if (!t.stored_value && !m.card_prefixes.empty() && !has_prefix(t.instrument, m.card_prefixes)) {
    error = where + ": '" + t.instrument + "' is neither a card nor stored value";
    return false;
  }
  return true;
}

// One part of a flight's offer name: a field of the flight, or (a JSON pointer) a param the
// whole itinerary shares, such as its cabin.
bool leg_offer_part(const std::string& key, const nlohmann::json& leg, const nlohmann::json& params,
                    const std::string& where, std::string& name, std::string& error) {
  const nlohmann::json* part = nullptr;
  if (key.front() == '/') {
    part = at_pointer(params, key);
  } else if (leg.is_object() && leg.contains(key)) {
    part = &leg[key];
  }
  if (part == nullptr || !(part->is_string() || part->is_number_integer())) {
    error = key.front() == '/'
                ? key + ": expected a string or an integer (part of " + where + "'s offer)"
                : where + ": expected a string or an integer '" + key + "'";
    return false;
  }
  name += part->is_string() ? part->get<std::string>() : part->dump();
  return true;
}

// An itinerary's flights, each named by its leg_offer parts joined: the first is the offer,
// the rest its connections.
bool map_legs(const ParamMapping& m, const nlohmann::json& v, const nlohmann::json& params,
              HandlerInput& out, std::string& error) {
  if (!v.is_array() || v.empty() || v.size() > 16) {
    error = m.legs + ": expected 1 to 16 flights";
    return false;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string name;
    for (std::size_t f = 0; f < m.leg_offer.size(); ++f) {
      if (f > 0) name += m.join;
      if (!leg_offer_part(m.leg_offer[f], v[i], params, m.legs + "/" + std::to_string(i), name,
                          error)) {
        return false;
      }
    }
    if (i == 0) {
      out.offer = name;
    } else {
      out.connections.push_back(name);
    }
  }
  return true;
}

// The ways to pay: a list of {instrument, amount} or one instrument's name. A card pays the
// rest, so with a card every stored-value part states its amount; without one, at most one
// part may leave it out (it pays what the others do not).
bool map_payments(const ParamMapping& m, const nlohmann::json& v, HandlerInput& out,
                  std::string& error) {
  constexpr std::size_t kMaxParts = 16;
  if (v.is_string()) {
    TenderInput t;
    t.instrument = v.get<std::string>();
    if (!classify(m, m.payments, t, error)) return false;
    out.payments.push_back(std::move(t));
    return true;
  }
  if (!v.is_array() || v.empty() || v.size() > kMaxParts) {
    error = m.payments + ": expected 1 to 16 payments, or one instrument's name";
    return false;
  }
  bool card = false;
  int unstated = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string where = m.payments + "/" + std::to_string(i);
    const auto& part = v[i];
    TenderInput t;
    if (!part.is_object() || !part.contains(m.payment_instrument) ||
        !part[m.payment_instrument].is_string()) {
      error = where + ": expected an object with string '" + m.payment_instrument + "'";
      return false;
    }
    t.instrument = part[m.payment_instrument].get<std::string>();
    if (!classify(m, where, t, error)) return false;
    if (part.contains(m.payment_amount)) {
      if (!minor_units(part[m.payment_amount], m.amount_scale, t.amount) || t.amount <= 0) {
        error = where + "/" + m.payment_amount + ": expected a positive amount";
        return false;
      }
    }
    for (const TenderInput& other : out.payments) {
      if (t.stored_value && other.instrument == t.instrument) {
        error = where + ": '" + t.instrument + "' is named twice";
        return false;
      }
    }
    card = card || !t.stored_value;
    if (t.stored_value && t.amount < 0) ++unstated;
    out.payments.push_back(std::move(t));
  }
  if (unstated > (card ? 0 : 1)) {
    error = m.payments + ": every stored-value payment needs its '" + m.payment_amount + "'" +
            (card ? " when a card pays the rest" : " but one");
    return false;
  }
  return true;
}

// The most the user agreed to pay: one amount, or the sum of a split's parts.
bool map_money(const ParamMapping& m, const nlohmann::json& params, HandlerInput& out,
               std::string& error) {
  if (const auto* parts = at_pointer(params, m.max_total_sum)) {
    if (!parts->is_array()) {
      error = m.max_total_sum + ": expected an array";
      return false;
    }
    int64_t sum = 0;
    for (const auto& part : *parts) {
      int64_t amount = 0;
      if (!part.is_object() || !part.contains(m.max_total_field) ||
          !minor_units(part[m.max_total_field], m.amount_scale, amount)) {
        error = m.max_total_sum + ": each element needs " +
                (m.amount_scale > 1 ? "a non-negative amount" : "integer") + " '" +
                m.max_total_field + "'";
        return false;
      }
      if (sum > static_cast<int64_t>(kMaxMinorUnits)) {
        error = m.max_total_sum + ": the amounts add up past any real order";
        return false;
      }
      sum += amount;
    }
    out.max_total = sum;
  }
  if (const auto* v = at_pointer(params, m.credit)) {
    if (!minor_units(*v, m.amount_scale, out.credit) || out.credit <= 0) {
      error = m.credit + ": expected a positive amount";
      return false;
    }
  }
  if (const auto* v = at_pointer(params, m.max_total)) {
    if (!minor_units(*v, m.amount_scale, out.max_total)) {
      error = m.max_total +
              (m.amount_scale > 1 ? ": expected a non-negative amount" : ": expected an integer");
      return false;
    }
  }
  return true;
}

// Item ids, one unit of that SKU each (a return's; a swap's old and new ones), added to
// `lines`.
bool map_sku_list(const std::string& ptr, const nlohmann::json& params,
                  std::vector<LineItem>& lines, std::string& error) {
  const auto* v = at_pointer(params, ptr);
  if (v == nullptr) return true;
  if (!v->is_array() || v->empty() || v->size() > 1000) {
    error = ptr + ": expected a list of 1 to 1000 SKUs";
    return false;
  }
  for (const auto& sku : *v) {
    if (!sku.is_string() || sku.get_ref<const std::string&>().empty()) {
      error = ptr + ": each element must be a SKU (a non-empty string)";
      return false;
    }
    auto same =
        std::find_if(lines.begin(), lines.end(), [&](const LineItem& l) { return l.sku == sku; });
    if (same != lines.end()) {
      ++same->quantity;  // one unit per mention
    } else {
      lines.push_back(LineItem{sku.get<std::string>(), 1});
    }
  }
  return true;
}

bool map_skus(const ParamMapping& m, const nlohmann::json& params, HandlerInput& out,
              std::string& error) {
  return map_sku_list(m.skus, params, out.items, error) &&
         map_sku_list(m.new_skus, params, out.new_items, error);
}

// One of the world's extras, at the booking's new count: an integer, or true/false or yes/no
// (an extra one has or not, like insurance). Absent: the call does not change it.
bool map_declared_extra(const std::string& id, const std::string& pointer,
                        const nlohmann::json& params, HandlerInput& out, std::string& error) {
  const auto* v = at_pointer(params, pointer);
  if (v == nullptr) return true;
  int64_t n = -1;
  if (v->is_boolean()) n = v->get<bool>() ? 1 : 0;
  if (v->is_string()) {  // tools say yes or no ("insurance": "yes")
    const std::string& word = v->get_ref<const std::string&>();
    n = word == "yes" || word == "true" ? 1 : word == "no" || word == "false" ? 0 : -1;
  }
  if (v->is_number_integer()) n = v->get<int64_t>();
  if (n < 0 || n > 1000) {
    error = pointer + ": expected the booking's count of " + id + ", an integer from 0 to 1000";
    return false;
  }
  auto at =
      std::lower_bound(out.declared_extras.begin(), out.declared_extras.end(), id,
                       [](const LineItem& e, const std::string& name) { return e.sku < name; });
  out.declared_extras.insert(at, LineItem{id, static_cast<int32_t>(n)});
  return true;
}

// The shapes richer tool sets use: split payments, itineraries, extras, item id lists.
bool map_shapes(const ParamMapping& m, const nlohmann::json& params, HandlerInput& out,
                std::string& error) {
  if (const auto* v = at_pointer(params, m.payments)) {
    if (!map_payments(m, *v, out, error)) return false;
  }
  if (const auto* v = at_pointer(params, m.legs)) {
    if (!map_legs(m, *v, params, out, error)) return false;
  }
  for (const auto& [id, pointer] : m.declared_extras) {
    if (!map_declared_extra(id, pointer, params, out, error)) return false;
  }
  if (const auto* v = at_pointer(params, m.extras)) {
    // 0: only free extras are added (a free bag allowance), a change that charges nothing.
    if (!v->is_number_integer() || v->get<int64_t>() < 0 || v->get<int64_t>() > 20) {
      error = m.extras + ": expected an integer from 0 to 20";
      return false;
    }
    out.extras = v->get<int32_t>();
  }
  return map_skus(m, params, out, error);
}

}  // namespace

namespace {

// The string at `ptr`, when there is one.
bool read_string(const nlohmann::json& params, const std::string& ptr, std::string& dst,
                 std::string& error) {
  if (const auto* v = at_pointer(params, ptr)) {
    if (!v->is_string()) {
      error = ptr + ": expected a string";
      return false;
    }
    dst = v->get<std::string>();
  }
  return true;
}

// A count an action names (units of a SKU, seats): from 0 to kMaxCount, never wrapped into
// an int32 (2^32 became 0 and divided by zero; 2^31 went negative and looped).
bool count_in_range(const nlohmann::json& v, const std::string& ptr, int32_t& dst,
                    std::string& error) {
  if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > kMaxCount) ||
      (!v.is_number_unsigned() && (v.get<int64_t>() < 0 || v.get<int64_t>() > kMaxCount))) {
    error =
        ptr + ": expected an integer from 0 to " + std::to_string(kMaxCount) + ", got " + v.dump();
    return false;
  }
  dst = static_cast<int32_t>(v.get<int64_t>());
  return true;
}

bool read_integer(const nlohmann::json& params, const std::string& ptr, int32_t& dst,
                  std::string& error) {
  if (const auto* v = at_pointer(params, ptr)) return count_in_range(*v, ptr, dst, error);
  return true;
}

// The lines the action buys: a list of items, or a single SKU with its quantity.
bool map_items(const ParamMapping& m, const nlohmann::json& params, HandlerInput& out,
               std::string& error) {
  if (const auto* items = at_pointer(params, m.items)) {
    if (!items->is_array()) {
      error = m.items + ": expected an array";
      return false;
    }
    for (const auto& it : *items) {
      if (!it.is_object() || !it.contains(m.item_sku) || !it[m.item_sku].is_string() ||
          !it.contains(m.item_quantity) || !it[m.item_quantity].is_number_integer()) {
        error = m.items + ": each item needs string '" + m.item_sku + "' and integer '" +
                m.item_quantity + "'";
        return false;
      }
      LineItem line{it[m.item_sku].get<std::string>(), 0};
      if (!count_in_range(it[m.item_quantity], m.items + "/" + m.item_quantity, line.quantity,
                          error)) {
        return false;
      }
      out.items.push_back(line);
    }
  }
  if (m.sku.empty()) return true;
  LineItem single;
  single.quantity = 1;
  if (!read_string(params, m.sku, single.sku, error) ||
      !read_integer(params, m.quantity, single.quantity, error)) {
    return false;
  }
  if (!single.sku.empty()) out.items.push_back(single);
  return true;
}

// A composed input: every part present, each a string or an integer, joined.
bool map_composed(const ParamMapping& m, const nlohmann::json& params, const char* key,
                  std::string& dst, std::string& error) {
  auto it = m.composed.find(key);
  if (it == m.composed.end()) return true;
  std::string joined;
  for (std::size_t i = 0; i < it->second.size(); ++i) {
    const auto* v = at_pointer(params, it->second[i]);
    if (v == nullptr || !(v->is_string() || v->is_number_integer())) {
      error = it->second[i] + ": expected a string or an integer (part of " + key + ")";
      return false;
    }
    if (i > 0) joined += m.join;
    joined += v->is_string() ? v->get<std::string>() : v->dump();
  }
  dst = joined;
  return true;
}

}  // namespace

bool map_with(const ParamMapping& m, const nlohmann::json& params, HandlerInput& out,
              std::string& error) {
  if (!map_items(m, params, out, error)) return false;
  if (const auto* list = at_pointer(params, m.seats_count)) {
    if (!list->is_array()) {
      error = m.seats_count + ": expected an array";
      return false;
    }
    out.seats = static_cast<int32_t>(list->size());
  }
  if (!map_money(m, params, out, error) || !map_shapes(m, params, out, error)) return false;
  // Details may be a string or an object (an address): kept as the agent gave them.
  if (const auto* v = at_pointer(params, m.details)) {
    if (!v->is_string() && !v->is_object()) {
      error = m.details + ": expected a string or an object";
      return false;
    }
    out.details = v->is_string() ? v->get<std::string>() : v->dump();
  }
  auto str = [&](const std::string& ptr, std::string& dst) {
    return read_string(params, ptr, dst, error);
  };
  auto composed = [&](const char* key, std::string& dst) {
    return map_composed(m, params, key, dst, error);
  };
  return str(m.coupon, out.coupon) && str(m.query, out.query) && str(m.offer, out.offer) &&
         str(m.reference, out.reference) && str(m.reason, out.reason) &&
         read_integer(params, m.seats, out.seats, error) && composed("query", out.query) &&
         composed("offer", out.offer) && composed("reference", out.reference) &&
         composed("details", out.details);
}

bool looks_like_pan(const std::string& text) {
  // Scan for runs of digits possibly separated by single spaces or dashes.
  std::string digits;
  auto check = [&]() { return digits.size() >= 13 && digits.size() <= 19 && luhn_valid(digits); };
  for (std::size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : '\0';
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if ((c == ' ' || c == '-') && !digits.empty() && i + 1 < text.size() &&
               text[i + 1] >= '0' && text[i + 1] <= '9') {
      continue;
    } else {
      if (check()) return true;
      digits.clear();
    }
  }
  return false;
}

bool contains_pan(const nlohmann::json& params) {
  if (params.is_string()) return looks_like_pan(params.get_ref<const std::string&>());
  if (params.is_number_unsigned() || params.is_number_integer()) {
    return looks_like_pan(params.dump());
  }
  if (params.is_structured()) {
    for (const auto& child : params) {
      if (contains_pan(child)) return true;
    }
  }
  return false;
}

}  // namespace checkride
