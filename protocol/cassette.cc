#include "protocol/cassette.h"

#include <map>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"

namespace checkride {
namespace {

void collect_refs(const nlohmann::json& result, std::vector<std::string>& out) {
  if (!result.is_object()) return;
  for (const char* key : {"reference", "order_id", "booking_id"}) {
    auto it = result.find(key);
    if (it != result.end() && it->is_string()) out.push_back(it->get<std::string>());
  }
}

const nlohmann::json& require(const nlohmann::json& ev, const char* field,
                              nlohmann::json::value_t type, const char* expected,
                              const std::string& origin, int line) {
  auto it = ev.find(field);
  if (it == ev.end())
    throw InputError(origin, line, field, std::string("missing; expected ") + expected);
  bool ok = it->type() == type ||
            (type == nlohmann::json::value_t::number_integer && it->is_number_integer());
  if (!ok) throw InputError(origin, line, field, std::string("expected ") + expected);
  return *it;
}

}  // namespace

void find_id_uses(const nlohmann::json& node, const std::string& pointer,
                  const std::map<std::string, int>& refs,
                  std::vector<std::pair<std::string, int>>& out) {
  if (node.is_string()) {
    auto it = refs.find(node.get<std::string>());
    if (it != refs.end()) out.emplace_back(pointer, it->second);
  } else if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      find_id_uses(it.value(), pointer + "/" + json_pointer_token(it.key()), refs, out);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      find_id_uses(node[i], pointer + "/" + std::to_string(i), refs, out);
    }
  }
}

namespace {

using vt = nlohmann::json::value_t;

// Reads a cassette line by line: the header, then each session's events, each kind of event
// by its own method. Every error names the file, the line and the field.
class CassetteParser {
 public:
  explicit CassetteParser(const std::string& origin) { c_.path = origin; }

  void line(const std::string& raw) {
    ++line_;
    if (raw.find_first_not_of(" \t\r") == std::string::npos) return;
    nlohmann::json ev;
    try {
      ev = parse_json(raw);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(c_.path, line_, "", std::string("not valid JSON: ") + e.what());
    }
    if (!ev.is_object()) throw InputError(c_.path, line_, "", "expected a JSON object per line");
    if (!have_header_) {
      header(ev);
      return;
    }
    event(ev);
  }

  Cassette finish() {
    if (!have_header_) throw InputError(c_.path, 1, "", "empty cassette; expected a header line");
    if (c_.sessions.empty()) throw InputError(c_.path, line_, "", "cassette holds no session");
    return std::move(c_);
  }

 private:
  struct Open {
    std::size_t index;
    int64_t last_seq = 0;
    int64_t last_t = 0;
    std::map<std::string, int> call_step;  // call_id -> step index
    std::map<std::string, int> refs;       // recorded id -> step index
  };

  const nlohmann::json& need(const nlohmann::json& ev, const char* field, vt type,
                             const char* expected) {
    return require(ev, field, type, expected, c_.path, line_);
  }

  void header(const nlohmann::json& ev) {
    auto f = ev.find("format");
    if (f == ev.end() || *f != "checkride.cassette/v1") {
      throw InputError(c_.path, line_, "format",
                       "line 1 must be the header with \"format\": \"checkride.cassette/v1\"");
    }
    c_.header = ev;
    have_header_ = true;
  }

  void event(const nlohmann::json& ev) {
    std::string session = need(ev, "session", vt::string, "a string");
    int64_t seq = need(ev, "seq", vt::number_integer, "an integer");
    int64_t t = need(ev, "t_ms", vt::number_integer, "an integer (milliseconds)");
    std::string type = need(ev, "type", vt::string, "a string");
    auto [it, fresh] = open_.try_emplace(session, Open{c_.sessions.size(), 0, 0, {}, {}});
    Open& o = it->second;
    if (fresh) c_.sessions.push_back(SessionTemplate{session, {}, {}, {}});
    if (!fresh && seq <= o.last_seq) {
      throw InputError(c_.path, line_, "seq", "expected seq to increase within session " + session);
    }
    if (t < o.last_t) {
      throw InputError(c_.path, line_, "t_ms",
                       "expected t_ms not to go back within session " + session);
    }
    Duration gap = fresh ? 0 : t - o.last_t;
    o.last_seq = seq;
    o.last_t = t;
    SessionTemplate& tmpl = c_.sessions[o.index];
    user_of(ev, session, tmpl);
    if (type == "note") {
      // A tool call that is not an action names its tool: counted for mapping coverage.
      auto tool = ev.find("tool");
      if (tool != ev.end() && tool->is_string())
        tmpl.note_tools.push_back(tool->get<std::string>());
    } else if (type == "user" || type == "assistant") {
      // conversation text: kept in the file, not needed to replay actions
    } else if (type == "action") {
      action(ev, o, tmpl, gap);
    } else if (type == "result") {
      result(ev, o, tmpl);
    } else if (type == "confirm") {
      confirm(ev, tmpl, gap);
    } else {
      throw InputError(c_.path, line_, "type",
                       "unknown event type '" + type +
                           "'; expected user, assistant, note, action, result or confirm");
    }
  }

  // A step of this line, `gap` after the session's previous event.
  CassetteStep step_here(CassetteStep::Kind kind, Duration gap) const {
    CassetteStep step;
    step.kind = kind;
    step.think = gap;
    step.line = line_;
    return step;
  }

  void user_of(const nlohmann::json& ev, const std::string& session, SessionTemplate& tmpl) {
    auto u = ev.find("user_id");
    if (u == ev.end()) return;
    if (!u->is_string() || u->get<std::string>().empty()) {
      throw InputError(c_.path, line_, "user_id", "expected a non-empty string");
    }
    if (!tmpl.user.empty() && tmpl.user != u->get<std::string>()) {
      throw InputError(c_.path, line_, "user_id",
                       "expected the same user_id on every event of session " + session +
                           " (it was " + tmpl.user + ")");
    }
    tmpl.user = u->get<std::string>();
  }

  void action(const nlohmann::json& ev, Open& o, SessionTemplate& tmpl, Duration gap) {
    CassetteStep step = step_here(CassetteStep::Kind::kAction, gap);
    step.call_id = need(ev, "call_id", vt::string, "a string");
    step.action = need(ev, "action", vt::string, "a string (the action name)");
    auto p = ev.find("params");
    if (p == ev.end()) throw InputError(c_.path, line_, "params", "missing; expected an object");
    step.params = std::make_shared<const nlohmann::json>(*p);
    if (p->is_object()) {
      auto pm = p->find("payment_method");
      if (pm != p->end() && pm->is_string()) step.payment_method = pm->get<std::string>();
      find_id_uses(*p, "", o.refs, step.substitutions);
    }
    if (o.call_step.count(step.call_id)) {
      throw InputError(c_.path, line_, "call_id", "duplicate call_id " + step.call_id);
    }
    o.call_step[step.call_id] = static_cast<int>(tmpl.steps.size());
    tmpl.steps.push_back(std::move(step));
  }

  void result(const nlohmann::json& ev, Open& o, SessionTemplate& tmpl) {
    std::string call = need(ev, "call_id", vt::string, "a string");
    auto cs = o.call_step.find(call);
    if (cs == o.call_step.end()) {
      throw InputError(c_.path, line_, "call_id", "result for unknown call_id " + call);
    }
    std::string status = need(ev, "status", vt::string, "a string");
    CassetteStep& step = tmpl.steps[cs->second];
    if (!parse_status(status, step.recorded)) {
      throw InputError(c_.path, line_, "status",
                       "unknown status '" + status +
                           "'; expected ok, confirmed, rejected, failed, busy, "
                           "needs_confirmation, reauth_required, review or unavailable");
    }
    // An inferred status (a third-party tool's answer) is compared as success or failure.
    auto inferred = ev.find("status_inferred");
    step.has_recorded = !(inferred != ev.end() && inferred->is_boolean() && inferred->get<bool>());
    if (!step.has_recorded) {
      auto from = ev.find("inferred_from");
      step.inferred_from =
          from != ev.end() && from->is_string() ? from->get<std::string>() : "the answer's shape";
    }
    auto r = ev.find("result");
    if (r == ev.end()) return;
    std::vector<std::string> refs;
    collect_refs(*r, refs);
    for (const auto& ref : refs) o.refs[ref] = cs->second;
    step.recorded_result = std::make_shared<const nlohmann::json>(*r);
    if (r->is_object() && r->contains("total_cents") && (*r)["total_cents"].is_number_integer()) {
      step.recorded_total = (*r)["total_cents"].get<int64_t>();
    }
  }

  void confirm(const nlohmann::json& ev, SessionTemplate& tmpl, Duration gap) {
    CassetteStep step = step_here(CassetteStep::Kind::kConfirm, gap);
    step.granted = need(ev, "granted", vt::boolean, "true or false");
    step.amount = need(ev, "amount_cents", vt::number_integer, "an integer");
    step.consent_inferred_from = string_field(ev, "inferred_from", "");
    tmpl.steps.push_back(std::move(step));
  }

  Cassette c_;
  int line_ = 0;
  bool have_header_ = false;
  std::map<std::string, Open> open_;
};

}  // namespace

Cassette parse_cassette(const std::string& text, const std::string& origin) {
  CassetteParser parser(origin);
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) parser.line(raw);
  return parser.finish();
}

Cassette load_cassette(const std::string& path) {
  return parse_cassette(read_input_file(path, "cassette"), path);
}

}  // namespace checkride
