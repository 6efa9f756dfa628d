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
#include "recorder/transcript_import.h"

namespace checkride {
namespace {

// The orchestrator's audit log -> one session per orchestrator session: its actions with
// their params, the replies (status, reference) and the user's consents, at their times.
std::vector<ImportedSession> import_audit(const std::string& path) {
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
  std::vector<ImportedSession> sessions;
  for (std::size_t i = 0; i < records.size(); ++i) {
    AuditFields f;
    split_audit_line(records[i].line, f);
    if (f.session == 0) continue;  // the orchestrator's own records (restarts, refreshes)
    if (f.kind != "action" && f.kind != "reply" && f.kind != "consent") continue;
    auto [it, fresh] = open.try_emplace(f.session, Open{sessions.size(), f.t, 1, {}});
    if (fresh) sessions.push_back(ImportedSession{"audit-" + std::to_string(f.session), {}, {}});
    Open& o = it->second;
    ImportedSession& s = sessions[o.index];
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

// The one format every file was read as ("mixed" when they differ).
std::string the_format(const std::vector<TranscriptFormat>& formats) {
  for (TranscriptFormat f : formats) {
    if (f != formats.front()) return "mixed";
  }
  return formats.empty() ? "auto" : std::string(format_name(formats.front()));
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
  std::vector<std::pair<const char*, std::string>> paths;
  if (!o.messages_field.empty()) paths.emplace_back("--messages-field", o.messages_field);
  if (!o.user_id_field.empty()) paths.emplace_back("--user-id-field", o.user_id_field);
  for (const auto& f : o.session_id_fields) paths.emplace_back("--session-id-field", f);
  for (const auto& [option, path] : paths) {
    std::string problem = field_path_problem(path);
    if (!problem.empty()) throw InputError(option, 0, "", problem);
  }
}

}  // namespace

int run_import(const ImportOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<ImportedSession> sessions;
  std::string source = options.from;
  try {
    check_field_paths(options);
    TranscriptFormat named;
    if (options.from == "audit") {
      for (const auto& f : options.files) {
        for (auto& s : import_audit(f)) sessions.push_back(std::move(s));
      }
    } else if (options.from == "auto" || parse_format(options.from, named)) {
      TranscriptImport imp(options);
      for (const auto& f : options.files) imp.file(f, out);
      sessions = std::move(imp.sessions);
      source = the_format(imp.formats);
    } else {
      throw InputError(
          "--from", 0, "",
          "unknown source '" + options.from + "'; expected auto, " + format_names() + " or audit");
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
  header["source"] = "import:" + source;
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
