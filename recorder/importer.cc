#include "recorder/importer.h"

#include <deque>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>

#include "protocol/audit_record.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "protocol/tool_coverage.h"
#include "recorder/cassette_writer.h"
#include "recorder/transcript.h"

namespace checkride {
namespace {

struct Session {
  std::string id;
  std::vector<std::pair<int64_t, CassetteEvent>> events;  // (t_ms, event)
  std::string user;                                       // "" unless --user-id-field named it
};

// Imported transcripts carry no timing: a plausible pace, so think times and hold TTLs in a
// replay look like a person at a keyboard.
int64_t pace(const CassetteEvent& ev) {
  std::string type = ev["type"].get<std::string>();
  if (type == "user") return 2000;
  if (type == "confirm") return 500;
  if (type == "assistant" || type == "action") return 800;
  return 100;
}

bool is_message_array(const nlohmann::json& j) {
  return j.is_array() && !j.empty() && j[0].is_object() && j[0].contains("role");
}

class OpenAiImport {
 public:
  OpenAiImport(const ImportOptions& o) : options_(o) {}

  // One conversation: a message array or an object holding one under the messages field.
  void conversation(const nlohmann::json& conv, const std::string& file, int line,
                    const std::string& where, const std::string& fallback_id) {
    const nlohmann::json* messages = &conv;
    std::string id = fallback_id;
    if (conv.is_object()) {
      const nlohmann::json* found = field_at(conv, options_.messages_field);
      if (found == nullptr) {
        throw InputError(file, line, where + options_.messages_field,
                         "missing; expected the message array (choose the field with "
                         "--messages-field)");
      }
      messages = found;
      id = options_.session_id_fields.empty() ? default_id(conv, id)
                                              : id_from_fields(conv, file, line, where);
    } else if (!options_.session_id_fields.empty()) {
      throw InputError(file, line, where + options_.session_id_fields.front(),
                       "missing: a bare message array has no fields to name its session");
    }
    std::string field = conv.is_object() ? where + options_.messages_field : where;
    if (!messages->is_array()) throw InputError(file, line, field, "expected an array of messages");
    TranscriptConverter converter(options_.actions, options_.error_patterns);
    if (options_.consent_ceiling) converter.consent_from_turn_before_call(options_.consent_ceiling);
    converter.set_amount_scale(options_.amount_scale);
    Session s{unique(id), {}, user_of(conv, file, line, where)};
    int64_t t = 0;
    for (std::size_t i = 0; i < messages->size(); ++i) {
      std::vector<CassetteEvent> events;
      std::string error;
      if (!converter.add_message((*messages)[i], events, error)) {
        throw InputError(file, line, field + "[" + std::to_string(i) + "]", error);
      }
      for (auto& ev : events) {
        if (!s.events.empty()) t += pace(ev);
        s.events.emplace_back(t, std::move(ev));
      }
    }
    sessions.push_back(std::move(s));
  }

  static std::string default_id(const nlohmann::json& conv, const std::string& fallback) {
    for (const char* key : {"id", "session_id", "conversation_id"}) {
      if (conv.contains(key) && conv[key].is_string()) return conv[key].get<std::string>();
    }
    return fallback;
  }

  // The value of --user-id-field, a string or an integer; "" without the option.
  std::string user_of(const nlohmann::json& conv, const std::string& file, int line,
                      const std::string& where) const {
    const std::string& field = options_.user_id_field;
    if (field.empty()) return "";
    const nlohmann::json* it = conv.is_object() ? field_at(conv, field) : nullptr;
    if (it == nullptr || !(it->is_string() || it->is_number_integer()) ||
        (it->is_string() && it->get<std::string>().empty())) {
      throw InputError(file, line, where + field,
                       "expected a string or an integer naming the session's user "
                       "(--user-id-field names it)");
    }
    return it->is_string() ? it->get<std::string>() : it->dump();
  }

  // The values of --session-id-field, each a string or an integer, joined with ':'.
  std::string id_from_fields(const nlohmann::json& conv, const std::string& file, int line,
                             const std::string& where) const {
    std::string id;
    for (const std::string& field : options_.session_id_fields) {
      const nlohmann::json* it = field_at(conv, field);
      if (it == nullptr || !(it->is_string() || it->is_number_integer())) {
        throw InputError(file, line, where + field,
                         it == nullptr ? "missing; --session-id-field names it"
                                       : "expected a string or an integer to name the "
                                         "session");
      }
      if (!id.empty()) id += ":";
      id += it->is_string() ? it->get<std::string>() : it->dump();
    }
    return id;
  }

  void file(const std::string& path) {
    std::string text = read_input_file(path, "file");
    std::string stem = std::filesystem::path(path).stem().string();
    nlohmann::json whole;
    bool single = true;
    try {
      whole = parse_json(text);
    } catch (const nlohmann::json::parse_error&) {
      single = false;  // not one document: JSONL, one conversation per line
    }
    if (single) {
      if (is_message_array(whole) || whole.is_object()) {
        conversation(whole, path, 0, "", stem);
      } else if (whole.is_array()) {
        for (std::size_t i = 0; i < whole.size(); ++i) {
          conversation(whole[i], path, 0, "[" + std::to_string(i) + "].",
                       stem + "-" + std::to_string(i + 1));
        }
      } else {
        throw InputError(path, 1, "",
                         "expected a message array, an array of conversations, "
                         "an object holding messages, or JSONL of those");
      }
      return;
    }
    std::istringstream in(text);
    std::string raw;
    int line = 0, n = 0;
    while (std::getline(in, raw)) {
      ++line;
      if (raw.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json conv;
      try {
        conv = parse_json(raw);
      } catch (const nlohmann::json::parse_error& e) {
        throw InputError(path, line, "", std::string("not valid JSON: ") + e.what());
      }
      if (!conv.is_array() && !conv.is_object()) {
        throw InputError(path, line, "", "expected a message array or an object per line");
      }
      conversation(conv, path, line, "", stem + "-" + std::to_string(++n));
    }
    if (n == 0) throw InputError(path, 0, "", "holds no conversation");
  }

  std::vector<Session> sessions;

 private:
  std::string unique(const std::string& id) {
    int& n = seen_[id];
    return ++n == 1 ? id : id + "-" + std::to_string(n);
  }
  const ImportOptions& options_;
  std::map<std::string, int> seen_;
};

// The orchestrator's audit log -> one session per orchestrator session: its actions with
// their params, the replies (status, reference) and the user's consents, at their times.
std::vector<Session> import_audit(const std::string& path) {
  std::vector<AuditRecord> records = parse_audit_jsonl(read_input_file(path, "file"), path);
  int64_t broken = verify_audit_chain(records);
  if (broken >= 0) {
    throw InputError(path, static_cast<int>(broken) + 1, "hash",
                     "audit chain broken at seq " + std::to_string(broken) +
                         ": the log was edited or truncated at the front; not importing it");
  }
  struct Open {
    std::size_t index;
    int64_t t0;
    int next_call = 1;
    std::deque<std::string> unanswered;
  };
  std::map<uint64_t, Open> open;
  std::vector<Session> sessions;
  for (std::size_t i = 0; i < records.size(); ++i) {
    AuditFields f;
    split_audit_line(records[i].line, f);
    if (f.session == 0) continue;  // the orchestrator's own records (restarts, refreshes)
    if (f.kind != "action" && f.kind != "reply" && f.kind != "consent") continue;
    auto [it, fresh] = open.try_emplace(f.session, Open{sessions.size(), f.t, 1, {}});
    if (fresh) sessions.push_back(Session{"audit-" + std::to_string(f.session), {}, {}});
    Open& o = it->second;
    Session& s = sessions[o.index];
    int64_t t = f.t - o.t0;
    int line = static_cast<int>(i) + 1;
    if (f.kind == "action") {
      auto space = f.detail.find(' ');
      if (space == std::string::npos) {
        throw InputError(path, line, "line",
                         "action record without params: this log was written by a checkride "
                         "older than record import; re-record it");
      }
      std::string call = "a" + std::to_string(o.next_call++);
      CassetteEvent params;
      try {
        params = parse_ordered_json(f.detail.substr(space + 1));
      } catch (const nlohmann::json::parse_error& e) {
        throw InputError(path, line, "line", std::string("action params: ") + e.what());
      }
      o.unanswered.push_back(call);
      s.events.emplace_back(t,
                            CassetteEvent{{"type", "action"},
                                          {"call_id", call},
                                          {"action", f.detail.substr(0, space)},
                                          {"params", params},
                                          {"raw", {{"source", "audit"}, {"seq", records[i].seq}}}});
    } else if (f.kind == "reply") {
      if (o.unanswered.empty()) continue;  // a reply to a duplicate already answered
      std::string call = o.unanswered.front();
      o.unanswered.pop_front();
      auto space = f.detail.find(' ');
      CassetteEvent result = CassetteEvent::object();
      if (space != std::string::npos) result["reference"] = f.detail.substr(space + 1);
      if (f.amount > 0) result["total_cents"] = f.amount;
      s.events.emplace_back(t, CassetteEvent{{"type", "result"},
                                             {"call_id", call},
                                             {"status", f.detail.substr(0, space)},
                                             {"result", result}});
    } else {
      s.events.emplace_back(t, CassetteEvent{{"type", "confirm"},
                                             {"granted", f.detail == "granted"},
                                             {"amount_cents", f.amount}});
    }
  }
  return sessions;
}

// A tool call of the imported events: an action the catalog knows, one it does not (a
// malformed call), or a tool kept as a note.
void count_tool_call(const CassetteEvent& ev, const std::set<std::string>& actions,
                     ToolCoverage& coverage) {
  const std::string& type = ev["type"].get_ref<const std::string&>();
  if (type == "action") {
    const std::string& name = ev["action"].get_ref<const std::string&>();
    ToolCallCount& c = coverage[name];
    ++c.calls;
    c.mapped += actions.empty() || actions.count(name) > 0;
  } else if (type == "note" && ev.contains("tool") && ev["tool"].is_string()) {
    ToolCallCount& c = coverage[ev["tool"].get<std::string>()];
    ++c.calls;
    ++c.notes;
  }
}

// Each field option is a key, a dotted path or a JSON pointer; a malformed one is exit 2.
void check_field_paths(const ImportOptions& o) {
  std::vector<std::pair<const char*, std::string>> paths = {{"--messages-field", o.messages_field}};
  if (!o.user_id_field.empty()) paths.emplace_back("--user-id-field", o.user_id_field);
  for (const auto& f : o.session_id_fields) paths.emplace_back("--session-id-field", f);
  for (const auto& [option, path] : paths) {
    std::string problem = field_path_problem(path);
    if (!problem.empty()) throw InputError(option, 0, "", problem);
  }
}

}  // namespace

int run_import(const ImportOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<Session> sessions;
  try {
    check_field_paths(options);
    if (options.from == "openai") {
      OpenAiImport imp(options);
      for (const auto& f : options.files) imp.file(f);
      sessions = std::move(imp.sessions);
    } else if (options.from == "audit") {
      for (const auto& f : options.files) {
        for (auto& s : import_audit(f)) sessions.push_back(std::move(s));
      }
    } else {
      throw InputError("--from", 0, "",
                       "unknown source '" + options.from + "'; expected openai or audit");
    }
    std::size_t events = 0;
    for (const auto& s : sessions) events += s.events.size();
    if (events == 0) throw InputError(options.files.front(), 0, "", "no events to import");
  } catch (const InputError& e) {
    err << "checkride: " << e.what() << "\n";
    return 2;
  }
  Redactor redactor(options.redaction);
  nlohmann::ordered_json header;
  header["source"] = "import:" + options.from;
  std::vector<std::string> names;
  for (const auto& f : options.files) names.push_back(std::filesystem::path(f).filename());
  header["files"] = names;
  if (!options.catalog.path.empty()) header["action_catalog"] = catalog_ref_json(options.catalog);
  CassetteWriter writer(options.out, header, redactor);
  std::map<std::string, int> kinds;
  ToolCoverage coverage;
  for (const auto& s : sessions) {
    bool first_event = true;
    for (const auto& [t, ev] : s.events) {
      if (first_event && !s.user.empty()) {
        CassetteEvent named = ev;
        named["user_id"] = s.user;
        writer.append(s.id, t, named);
      } else {
        writer.append(s.id, t, ev);
      }
      first_event = false;
      const std::string type = ev["type"].get<std::string>();
      ++kinds[type];
      count_tool_call(ev, options.actions, coverage);
    }
  }
  writer.commit();
  out << options.out << ": " << sessions.size() << " sessions, " << writer.events_written()
      << " events (";
  bool first = true;
  for (const auto& [k, n] : kinds) {
    out << (first ? "" : ", ") << n << " " << k;
    first = false;
  }
  out << ")\n" << coverage_text(coverage, "  ");
  return 0;
}

}  // namespace checkride
