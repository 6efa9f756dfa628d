#include "recorder/record_on_miss.h"

#include <httplib.h>

#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "recorder/cassette_writer.h"
#include "recorder/http_url.h"
#include "recorder/transcript.h"

namespace checkride {
namespace {

struct RawEvent {
  int line;
  nlohmann::ordered_json event;
};

// The conversation so far, as the chat messages a model expects.
nlohmann::json to_messages(const std::vector<RawEvent>& events) {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& [line, ev] : events) {
    std::string type = string_field(ev, "type", "");
    if (type == "user" || type == "assistant") {
      messages.push_back({{"role", type}, {"content", string_field(ev, "text", "")}});
    } else if (type == "action") {
      nlohmann::json call = {
          {"id", ev["call_id"]},
          {"type", "function"},
          {"function",
           {{"name", ev["action"]},
            {"arguments",
             ev["params"].is_string() ? ev["params"].get<std::string>() : ev["params"].dump()}}}};
      if (messages.empty() || messages.back()["role"] != "assistant" ||
          !messages.back().contains("tool_calls")) {
        messages.push_back({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {}}});
      }
      messages.back()["tool_calls"].push_back(call);
    } else if (type == "result") {
      nlohmann::json result =
          ev.contains("result") ? nlohmann::json(ev["result"]) : nlohmann::json::object();
      if (result.is_object() && !result.contains("status")) result["status"] = ev["status"];
      messages.push_back(
          {{"role", "tool"}, {"tool_call_id", ev["call_id"]}, {"content", result.dump()}});
    }
  }
  return messages;
}

// A cassette's raw events by session, in the order sessions first appear.
struct RawCassette {
  nlohmann::ordered_json header;
  std::vector<std::string> order;
  std::map<std::string, std::vector<RawEvent>> by_session;
};

RawCassette read_raw_cassette(const std::string& path) {
  std::istringstream in(read_input_file(path, "cassette"));
  RawCassette c;
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    if (raw.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto ev = parse_ordered_json_or_discarded(raw);
    if (ev.is_discarded() || !ev.is_object()) throw InputError(path, line, "", "not a JSON object");
    if (c.header.empty()) {
      c.header = ev;
      continue;
    }
    std::string id = string_field(ev, "session", "");
    if (!c.by_session.count(id)) c.order.push_back(id);
    c.by_session[id].push_back(RawEvent{line, std::move(ev)});
  }
  return c;
}

// Asks the live model for its next turn after `kept`; fills `events` with it. "" or why not.
std::string ask_model(httplib::Client& client, const HttpUrl& url,
                      const RecordOnMissOptions& options, const std::vector<RawEvent>& kept,
                      std::vector<CassetteEvent>& events) {
  nlohmann::json request = {{"model", options.model}, {"messages", to_messages(kept)}};
  if (!options.tools.empty()) request["tools"] = options.tools;
  httplib::Headers headers;
  if (!options.api_key.empty()) headers.emplace("Authorization", "Bearer " + options.api_key);
  auto res = client.Post(chat_completions_path(url), headers, request.dump(), "application/json");
  if (!res) return "model endpoint unreachable: " + httplib::to_string(res.error());
  if (res->status != 200) return "model endpoint answered " + std::to_string(res->status);
  auto body = parse_json_or_discarded(res->body);
  if (body.is_discarded() || !body.contains("choices") || !body["choices"].is_array() ||
      body["choices"].empty() || !body["choices"][0].contains("message")) {
    return "model endpoint answered without choices[0].message";
  }
  TranscriptConverter converter(options.actions);
  std::string error;
  if (!converter.add_message(body["choices"][0]["message"], events, error)) return error;
  return "";
}

}  // namespace

int record_on_miss(const RecordOnMissOptions& options,
                   const std::vector<SessionDivergence>& sessions, std::ostream& out) {
  HttpUrl url;
  std::string error;
  if (!parse_http_url(options.model_url, url, error)) throw InputError("--model", 0, "", error);
  const RawCassette cassette = read_raw_cassette(options.cassette);
  const nlohmann::ordered_json& header = cassette.header;
  std::map<std::string, const SessionDivergence*> diverged;
  for (const auto& d : sessions) {
    if (d.verdict == "diverged" && d.line > 0) diverged[d.session] = &d;
  }

  Redactor redactor(options.redaction);
  nlohmann::ordered_json new_header;
  new_header["source"] = "replay --record-on-miss";
  new_header["model"] = options.model;
  new_header["from_cassette"] = options.cassette;
  if (header.contains("model")) new_header["recorded_model"] = header["model"];
  CassetteWriter writer(options.out, new_header, redactor);
  httplib::Client client(url.origin);
  client.set_read_timeout(options.timeout_seconds, 0);
  client.set_connection_timeout(10, 0);
  int asked = 0;
  for (const auto& id : cassette.order) {
    auto copy = [&](const nlohmann::ordered_json& ev, int64_t t) {
      nlohmann::ordered_json body;
      for (auto it = ev.begin(); it != ev.end(); ++it) {
        if (it.key() != "session" && it.key() != "seq" && it.key() != "t_ms") {
          body[it.key()] = it.value();
        }
      }
      writer.append(id, t, body);
    };
    auto found = diverged.find(id);
    std::vector<RawEvent> kept;
    int64_t t = 0;
    for (const auto& e : cassette.by_session.at(id)) {
      if (found != diverged.end() && e.line > found->second->line) break;
      t = int_field(e.event, "t_ms", 0);
      copy(e.event, t);
      kept.push_back(e);
    }
    if (found == diverged.end()) continue;
    const SessionDivergence& d = *found->second;
    nlohmann::ordered_json answer = {{"type", "result"},
                                     {"call_id", d.call_id},
                                     {"status", d.sandbox},
                                     {"result", {{"status", d.sandbox}, {"code", d.code}}},
                                     {"sandbox", true}};
    copy(answer, t + 1);
    kept.push_back(RawEvent{0, answer});
    ++asked;
    std::vector<CassetteEvent> events;
    const std::string why = ask_model(client, url, options, kept, events);
    if (!why.empty()) {
      copy(nlohmann::ordered_json{{"type", "note"}, {"text", "record-on-miss: " + why}}, t + 2);
      out << "  " << id << ": " << why << "\n";
      continue;
    }
    for (auto& ev : events) {
      ev["live"] = true;
      copy(ev, t + 1000);
    }
    out << "  " << id << ": recorded " << events.size() << " new event(s) from the live model\n";
  }
  writer.commit();
  return asked;
}

}  // namespace checkride
