#include "orchestrator/money_statement.h"

#include <cmath>

#include "protocol/input_error.h"
#include "protocol/json_input.h"
#include "protocol/user_regex.h"

namespace checkride {
namespace {

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::string pointer_at(const YAML::Node& v, const std::string& origin, const std::string& field) {
  std::string problem = v.IsScalar() ? field_path_problem(v.Scalar()) : "expected a JSON pointer";
  if (problem.empty() && v.Scalar().front() != '/') problem = "expected a JSON pointer ('/…')";
  if (!problem.empty()) throw InputError(origin, line_of(v), field, problem);
  return v.Scalar();
}

bool kind_named(const std::string& name, MoneyKind& kind) {
  for (MoneyKind k : {MoneyKind::kCharged, MoneyKind::kRefunded, MoneyKind::kCredited}) {
    if (name == money_kind_name(k)) {
      kind = k;
      return true;
    }
  }
  return false;
}

AmountAt amount_at(const YAML::Node& v, const std::string& origin, const std::string& field) {
  AmountAt a;
  if (!v.IsMap()) {
    a.pointer = pointer_at(v, origin, field);
    return a;
  }
  if (!v["at"] || !v["pattern"] || v.size() != 2 || !v["pattern"].IsScalar()) {
    throw InputError(origin, line_of(v), field,
                     "expected a JSON pointer, or {at: /…, pattern: REGEX} whose first group is "
                     "the amount in a text answer");
  }
  a.pointer = pointer_at(v["at"], origin, field + ".at");
  a.pattern = v["pattern"].Scalar();
  auto re = std::make_shared<std::regex>();
  std::string error;
  if (!compile_user_regex(a.pattern, std::regex::ECMAScript | std::regex::icase, *re, error)) {
    throw InputError(origin, line_of(v["pattern"]), field + ".pattern", error);
  }
  if (re->mark_count() < 1) {
    throw InputError(origin, line_of(v["pattern"]), field + ".pattern",
                     "expected a group, ( ), around the amount");
  }
  a.regex = std::move(re);
  return a;
}

void parse_entry(const YAML::Node& v, const std::string& origin, const std::string& field,
                 MoneyStatement& s) {
  if (!v.IsMap()) {
    throw InputError(origin, line_of(v), field,
                     "expected {kind: /…, amount: /…, instrument: /…}: pointers inside each "
                     "history entry");
  }
  for (const auto& kv : v) {
    const std::string key = kv.first.Scalar();
    std::string* into = key == "kind"         ? &s.entry_kind
                        : key == "amount"     ? &s.entry_amount
                        : key == "instrument" ? &s.entry_instrument
                                              : nullptr;
    if (into == nullptr) {
      throw InputError(origin, line_of(kv.first), field + "." + key,
                       "unknown key; expected kind, amount, instrument");
    }
    *into = pointer_at(kv.second, origin, field + "." + key);
  }
  if (s.entry_amount.empty()) throw InputError(origin, line_of(v), field + ".amount", "missing");
}

void parse_kinds(const YAML::Node& v, const std::string& origin, const std::string& field,
                 MoneyStatement& s) {
  if (!v.IsMap()) {
    throw InputError(origin, line_of(v), field,
                     "expected {WORD: charged|refunded|credited, …}: what each entry kind moved");
  }
  for (const auto& kv : v) {
    MoneyKind kind;
    if (!kv.second.IsScalar() || !kind_named(kv.second.Scalar(), kind)) {
      throw InputError(origin, line_of(kv.second), field + "." + kv.first.Scalar(),
                       "expected charged, refunded or credited");
    }
    s.kinds[kv.first.Scalar()] = kind;
  }
}

}  // namespace

MoneyStatement parse_money_statement(const YAML::Node& node, const std::string& origin,
                                     const std::string& field) {
  if (!node.IsMap()) {
    throw InputError(origin, line_of(node), field,
                     "expected a mapping: charged/refunded/credited pointers, or history");
  }
  MoneyStatement s;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string at = field + "." + key;
    MoneyKind kind;
    if (kind_named(key, kind)) {
      s.amounts[kind] = amount_at(kv.second, origin, at);
    } else if (key == "instrument") {
      s.instrument = pointer_at(kv.second, origin, at);
    } else if (key == "instrument_param") {
      s.instrument_param = pointer_at(kv.second, origin, at);
    } else if (key == "history") {
      s.history = pointer_at(kv.second, origin, at);
    } else if (key == "object") {
      s.object = pointer_at(kv.second, origin, at);
    } else if (key == "entry") {
      parse_entry(kv.second, origin, at, s);
    } else if (key == "kinds") {
      parse_kinds(kv.second, origin, at, s);
    } else {
      throw InputError(origin, line_of(kv.first), at,
                       "unknown key; expected charged, refunded, credited, instrument, "
                       "instrument_param, history, object, entry, kinds");
    }
  }
  if (!s.declared()) {
    throw InputError(origin, line_of(node), field,
                     "states no money: expected charged, refunded, credited or history");
  }
  if (!s.history.empty() && s.entry_amount.empty()) {
    throw InputError(origin, line_of(node), field + ".entry",
                     "missing: history needs entry: {amount: /…} at least");
  }
  if (!s.history.empty() && s.kinds.empty()) {
    s.kinds = {{"payment", MoneyKind::kCharged}, {"refund", MoneyKind::kRefunded}};
  }
  return s;
}

namespace {

// An amount in the tools' units as cents; false for anything but a finite number in range.
bool cents_of(const nlohmann::json* v, int64_t scale, int64_t& out) {
  if (v == nullptr || !v->is_number()) return false;
  const double minor = v->get<double>() * static_cast<double>(scale);
  if (!std::isfinite(minor) || std::fabs(minor) > 1e15) return false;
  out = std::llround(minor);
  return true;
}

// An amount as the statement finds it: a number, or the number its pattern finds in a text
// (answers are bounded in size, so the pattern runs on little).
bool amount_of(const nlohmann::json& v, const AmountAt& at, int64_t scale, int64_t& cents) {
  if (!at.regex) return cents_of(&v, scale, cents);
  if (!v.is_string() || v.get_ref<const std::string&>().size() > 100000) return false;
  std::smatch m;
  const std::string& text = v.get_ref<const std::string&>();
  if (!std::regex_search(text, m, *at.regex) || !m[1].matched) return false;
  const std::string number = m[1].str();
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end == number.c_str() || *end != '\0') return false;
  const nlohmann::json as_number = value;
  return cents_of(&as_number, scale, cents);
}

std::string text_at(const nlohmann::json* doc, const std::string& pointer) {
  if (doc == nullptr || pointer.empty()) return "";
  const nlohmann::json* v = field_at(*doc, pointer);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

// The instrument as the sandbox names it: stored value and the world's own cards by their
// names, any other card as one.
std::string instrument_class(const std::string& name, const InstrumentNames& names) {
  if (name.empty()) return kAnyInstrument;
  for (const auto& p : names.stored_value_prefixes) {
    if (name.rfind(p, 0) == 0) return name;
  }
  return names.cards.count(name) != 0 ? name : kAnyCard;
}

// The entries of the result's history that the call made: past those the latest earlier
// result for the same object listed; with none, all of them for a call that creates the
// object, else the last one.
std::size_t own_entries_from(const MoneyStatement& s, const RecordedCall& call,
                             const nlohmann::json& history) {
  const std::string object = text_at(call.result, s.object);
  for (auto it = call.earlier_results.rbegin(); it != call.earlier_results.rend(); ++it) {
    if (*it == nullptr || object.empty() || text_at(*it, s.object) != object) continue;
    const nlohmann::json* before = field_at(**it, s.history);
    if (before != nullptr && before->is_array()) return std::min(before->size(), history.size());
  }
  if (call.creates || history.empty()) return 0;
  return history.size() - 1;
}

bool history_money(const MoneyStatement& s, const RecordedCall& call, int64_t scale,
                   const InstrumentNames& names, MoneyTally& out) {
  const nlohmann::json* history = field_at(*call.result, s.history);
  if (history == nullptr || !history->is_array()) return false;
  for (std::size_t i = own_entries_from(s, call, *history); i < history->size(); ++i) {
    const nlohmann::json& entry = (*history)[i];
    int64_t cents = 0;
    if (!entry.is_object() || !cents_of(field_at(entry, s.entry_amount), scale, cents)) {
      return false;
    }
    MoneyKind kind = MoneyKind::kCharged;
    if (!s.entry_kind.empty()) {
      auto k = s.kinds.find(text_at(&entry, s.entry_kind));
      if (k == s.kinds.end()) return false;  // a kind the catalog does not say
      kind = k->second;
    }
    if (cents < 0 && kind == MoneyKind::kCharged) {  // a negative payment gives back
      kind = MoneyKind::kRefunded;
      cents = -cents;
    }
    out.add(instrument_class(text_at(&entry, s.entry_instrument), names), kind, std::llabs(cents));
  }
  return true;
}

}  // namespace

bool recorded_money(const MoneyStatement& s, const RecordedCall& call, int64_t scale,
                    const InstrumentNames& names, MoneyTally& out) {
  if (call.result == nullptr || !s.declared()) return false;
  if (!s.history.empty()) return history_money(s, call, scale, names, out);
  std::string name = text_at(call.result, s.instrument);
  if (name.empty()) name = text_at(call.params, s.instrument_param);
  const std::string instrument = instrument_class(name, names);
  bool stated = false;
  for (const auto& [kind, at] : s.amounts) {
    const nlohmann::json* v = field_at(*call.result, at.pointer);
    if (v == nullptr || v->is_null()) continue;
    int64_t cents = 0;
    if (!amount_of(*v, at, scale, cents) || cents < 0) return false;
    out.add(instrument, kind, cents);
    stated = true;
  }
  return stated;
}

}  // namespace checkride
