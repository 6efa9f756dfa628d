// `order_rules:` and `booking_rules:` in a world file: the business's life cycles and limits
// as data (docs/worlds.md, "Life cycles and rules"), which the fakes enforce. Every rule that
// could never hold is refused here, naming its field.
#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

constexpr std::size_t kMaxStatuses = 64;

// An operation that `rules` may name: one of the vocabulary, and one that applies to its kind.
ObjectOperation operation_at(MapReader& m, const YAML::Node& at, const std::string& key,
                             const std::string& name, bool orders) {
  ObjectOperation op = ObjectOperation::kNone;
  if (!parse_operation(name, op)) {
    std::string known;
    for (int i = 1; i < kObjectOperationCount; ++i) {
      auto o = static_cast<ObjectOperation>(i);
      if (orders ? applies_to_orders(o) : applies_to_bookings(o)) {
        known += (known.empty() ? "" : ", ") + std::string(operation_name(o));
      }
    }
    m.fail(at, key, "expected one of " + known + ", got '" + name + "'");
  }
  if (!(orders ? applies_to_orders(op) : applies_to_bookings(op))) {
    m.fail(at, key, "'" + name + "' is not an operation on " + (orders ? "orders" : "bookings"));
  }
  return op;
}

std::string scalar_key(MapReader& m, const YAML::Node& key, const std::string& field) {
  if (!key.IsScalar() || key.Scalar().empty()) m.fail(key, field, "expected a name");
  return key.Scalar();
}

// statuses: {NAME: [operation, ...]}, in the order written.
void load_statuses(ObjectRules& r, MapReader& m, bool orders) {
  YAML::Node map = m.get("statuses");
  if (!map.IsMap() || map.size() == 0 || map.size() > kMaxStatuses) {
    m.fail(map, "statuses",
           "expected a mapping of 1 to " + std::to_string(kMaxStatuses) +
               " statuses, each to the list of operations it allows");
  }
  r.statuses.clear();
  for (const auto& kv : map) {
    std::string name = scalar_key(m, kv.first, "statuses");
    std::string field = "statuses." + name;
    if (r.find(name) >= 0) m.fail(kv.first, field, "the status '" + name + "' is named twice");
    StatusRule status{name, 0};
    if (!kv.second.IsSequence() && !kv.second.IsNull()) {
      m.fail(kv.second, field, "expected a list of operations ([] for none)");
    }
    for (const auto& op : kv.second) {
      std::string op_name = op.IsScalar() ? op.Scalar() : "";
      uint32_t bit = 1u << static_cast<int>(operation_at(m, op, field, op_name, orders));
      if (status.allows & bit) m.fail(op, field, "'" + op_name + "' is named twice");
      status.allows |= bit;
    }
    r.statuses.push_back(status);
  }
}

int16_t declared_status(const ObjectRules& r, MapReader& m, const YAML::Node& at,
                        const std::string& field, const std::string& name) {
  int16_t i = r.find(name);
  if (i >= 0) return i;
  std::string known;
  for (const auto& s : r.statuses) known += (known.empty() ? "" : ", ") + s.name;
  m.fail(at, field, "expected a status of this world (" + known + "), got '" + name + "'");
}

bool some_status_allows(const ObjectRules& r, ObjectOperation op) {
  for (const auto& s : r.statuses) {
    if (s.allows_op(op)) return true;
  }
  return false;
}

// after: {operation: status}; at_most: {operation: N}.
void load_per_operation(ObjectRules& r, MapReader& m, bool orders) {
  if (m.has("after")) {
    YAML::Node map = m.get("after");
    if (!map.IsMap()) m.fail(map, "after", "expected a mapping of operation to status");
    for (const auto& kv : map) {
      std::string name = scalar_key(m, kv.first, "after");
      ObjectOperation op = operation_at(m, kv.first, "after." + name, name, orders);
      std::string to = kv.second.IsScalar() ? kv.second.Scalar() : "";
      r.after[static_cast<int>(op)] = declared_status(r, m, kv.second, "after." + name, to);
    }
  }
  if (m.has("at_most")) {
    YAML::Node map = m.get("at_most");
    if (!map.IsMap()) m.fail(map, "at_most", "expected a mapping of operation to a count");
    for (const auto& kv : map) {
      std::string name = scalar_key(m, kv.first, "at_most");
      std::string field = "at_most." + name;
      ObjectOperation op = operation_at(m, kv.first, field, name, orders);
      int64_t n = 0;
      if (!kv.second.IsScalar() || !parse_whole(kv.second.Scalar(), n) || n < 1 || n > 1000) {
        m.fail(kv.second, field,
               "expected a count from 1 to 1000 (a status that does not allow it forbids it)");
      }
      if (!some_status_allows(r, op)) {
        m.fail(kv.second, field, "no status allows '" + name + "', so this limit never applies");
      }
      r.at_most[static_cast<int>(op)] = static_cast<int32_t>(n);
    }
  }
}

// Bookings: not_within: {operation: DURATION} before their first flight departs. Orders:
// within: {operation: DURATION} after they were delivered.
void load_time_limits(ObjectRules& r, MapReader& m, bool orders) {
  const std::string key = orders ? "within" : "not_within";
  const std::string other = orders ? "not_within" : "within";
  if (m.has(other)) {
    m.fail(m.get(other), other,
           orders ? "orders do not depart: a limit after delivery is within: {return: 30d}"
                  : "bookings are not delivered: a limit before departure is not_within");
  }
  if (!m.has(key)) return;
  YAML::Node map = m.get(key);
  const char* measure = orders ? "after delivery like 30d" : "before departure like 24h or 90m";
  if (!map.IsMap() || map.size() == 0) {
    m.fail(map, key, std::string("expected a mapping of operation to a duration ") + measure);
  }
  for (const auto& kv : map) {
    std::string name = scalar_key(m, kv.first, key);
    std::string field = key + "." + name;
    ObjectOperation op = operation_at(m, kv.first, field, name, orders);
    Duration d = 0;
    if (!kv.second.IsScalar() || !parse_duration(kv.second.Scalar(), d) || d <= 0) {
      m.fail(kv.second, field, std::string("expected a duration ") + measure);
    }
    if (!some_status_allows(r, op)) {
      m.fail(kv.second, field, "no status allows '" + name + "', so this limit never applies");
    }
    (orders ? r.within : r.not_within)[static_cast<int>(op)] = d;
  }
  r.time_limits_origin = m.file();
  r.time_limits_line = line_of(map);
}

void load_cancel_reasons(ObjectRules& r, MapReader& m) {
  YAML::Node list = m.get("cancel_reasons");
  if (!list.IsSequence() || list.size() == 0 || list.size() > 64) {
    m.fail(list, "cancel_reasons", "expected a list of 1 to 64 reasons");
  }
  for (const auto& n : list) {
    if (!n.IsScalar() || n.Scalar().empty()) m.fail(n, "cancel_reasons", "expected a reason");
    for (const auto& earlier : r.cancel_reasons) {
      if (earlier == n.Scalar()) m.fail(n, "cancel_reasons", "'" + earlier + "' is named twice");
    }
    r.cancel_reasons.push_back(n.Scalar());
  }
  if (!some_status_allows(r, ObjectOperation::kCancel)) {
    m.fail(list, "cancel_reasons", "no status allows 'cancel', so no reason is ever asked for");
  }
}

}  // namespace

void load_object_rules(ObjectRules& r, const YAML::Node& node, const std::string& path,
                       const std::string& field, bool orders) {
  MapReader m(node, path, field);
  const char* usual_new = orders ? "pending" : "confirmed";
  if (m.has("statuses")) {
    ObjectRules fresh;  // a table of its own replaces the default one whole
    fresh.after.fill(-1);
    r = fresh;
    load_statuses(r, m, orders);
    r.initial = std::max<int16_t>(r.find(usual_new), 0);
    r.after[static_cast<int>(ObjectOperation::kCancel)] = r.find("cancelled");
  }
  if (m.has("new")) {
    r.initial = declared_status(r, m, m.get("new"), "new", m.str("new", ""));
  }
  load_per_operation(r, m, orders);
  if (m.has("cancel_reasons")) load_cancel_reasons(r, m);
  if (orders) r.exchange_within_product = m.boolean("exchange_within_product", false);
  if (orders) r.partial_returns = m.boolean("partial_returns", true);
  if (orders) r.partial_exchanges = m.boolean("partial_exchanges", true);
  load_time_limits(r, m, orders);
  m.finish();
}

}  // namespace checkride
