#include "recorder/trace_steps.h"

#include <algorithm>
#include <map>

namespace checkride {
namespace {

std::string role_of(const nlohmann::json& m) {
  std::string role = text_of(m, "role");
  if (role.empty()) role = text_of(m, "type");
  if (role == "human") return "user";
  if (role == "ai") return "assistant";
  return role;
}

// LangChain's serialized form: the class name says the role, kwargs hold the message.
nlohmann::json unserialized(const nlohmann::json& m) {
  if (!m.is_object() || text_of(m, "type") != "constructor" || !m.contains("kwargs")) return m;
  const nlohmann::json id = m.value("id", nlohmann::json());
  const std::string cls = id.is_array() && !id.empty() && id.back().is_string() ? id.back() : "";
  nlohmann::json out = m["kwargs"].is_object() ? m["kwargs"] : nlohmann::json::object();
  if (cls == "HumanMessage") out["role"] = "user";
  if (cls == "AIMessage" || cls == "AIMessageChunk") out["role"] = "assistant";
  if (cls == "ToolMessage") out["role"] = "tool";
  if (cls == "SystemMessage") out["role"] = "system";
  return out;
}

// One tool call of any of the shapes: OpenAI's {id, function: {name, arguments}},
// LangChain's {id, name, args}, OTel's tool_call part {id, name, arguments}.
nlohmann::json loose_call(const nlohmann::json& c) {
  if (c.contains("function") && c["function"].is_object()) {
    return tool_call(text_of(c, "id"), text_of(c["function"], "name"),
                     c["function"].value("arguments", nlohmann::json::object()));
  }
  return tool_call(text_of(c, "id"), text_of(c, "name"),
                   c.value(c.contains("args") ? "args" : "arguments", nlohmann::json::object()));
}

void add_otel_message(const nlohmann::json& m, const std::string& role, nlohmann::json& out) {
  nlohmann::json chat = {{"role", role}, {"content", ""}};
  std::string text;
  for (const auto& part : m["parts"]) {
    const std::string type = text_of(part, "type");
    if (type == "text") text += (text.empty() ? "" : "\n") + text_of(part, "content");
    if (type == "tool_call") chat["tool_calls"].push_back(loose_call(part));
    if (type == "tool_call_response") {
      const nlohmann::json r = part.value("response", nlohmann::json());
      out.push_back(
          tool_answer(text_of(part, "id"), r.is_string() ? r.get<std::string>() : r.dump(), ""));
    }
  }
  if (role == "tool") return;
  chat["content"] = text;
  out.push_back(std::move(chat));
}

}  // namespace

void add_loose_message(const nlohmann::json& raw, nlohmann::json& out) {
  const nlohmann::json m = unserialized(raw);
  if (!m.is_object()) return;
  const std::string role = role_of(m);
  if (m.contains("parts") && m["parts"].is_array()) return add_otel_message(m, role, out);
  const nlohmann::json content = m.value("content", nlohmann::json(""));
  const std::string text = content.is_null() ? std::string()
                           : content.is_string() || content.is_array()
                               ? parts_text(content, {"text", "input_text", "output_text"})
                               : content.dump();
  if (role == "tool") {
    out.push_back(tool_answer(text_of(m, "tool_call_id"), text, ""));
    return;
  }
  nlohmann::json chat = {{"role", role.empty() ? "assistant" : role}, {"content", text}};
  for (const auto& c : m.value("tool_calls", nlohmann::json::array())) {
    if (c.is_object()) chat["tool_calls"].push_back(loose_call(c));
  }
  out.push_back(std::move(chat));
}

nlohmann::json loose_messages(const nlohmann::json& value) {
  nlohmann::json chat = nlohmann::json::array();
  if (value.is_string()) {
    chat.push_back({{"role", "assistant"}, {"content", value}});
  } else if (value.is_array()) {
    for (const auto& m : value) add_loose_message(m, chat);
  } else if (value.is_object()) {
    add_loose_message(value, chat);
  }
  return chat;
}

uint64_t iso_time_key(const std::string& time) {
  uint64_t key = 0;
  int digits = 0;
  for (char c : time) {
    if (c >= '0' && c <= '9' && digits < 18) {
      key = key * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
    }
  }
  for (; digits > 0 && digits < 18; ++digits) key *= 10;
  return key;
}

nlohmann::json tool_arguments(const nlohmann::json& input) {
  if (input.is_object()) return input;
  if (input.is_string()) {
    try {
      nlohmann::json parsed = nlohmann::json::parse(input.get_ref<const std::string&>());
      if (parsed.is_object()) return parsed;
    } catch (const nlohmann::json::parse_error&) {
    }
  }
  return input.is_null() ? nlohmann::json::object() : nlohmann::json{{"input", input}};
}

namespace {

// The call a tool step answers: its id, else the oldest unanswered call of its name.
std::string call_in(const nlohmann::json& chat, const TraceStep& step, bool& answered) {
  std::vector<std::string> open;
  std::string found;
  for (const auto& m : chat) {
    for (const auto& c : m.value("tool_calls", nlohmann::json::array())) {
      const std::string id = text_of(c, "id");
      const std::string name = text_of(c.value("function", nlohmann::json()), "name");
      if (!step.call_id.empty() ? id == step.call_id : name == step.tool) {
        open.push_back(id);
      }
    }
    if (text_of(m, "role") == "tool") {
      auto it = std::find(open.begin(), open.end(), text_of(m, "tool_call_id"));
      if (it != open.end()) {
        if (!step.call_id.empty()) answered = true;
        open.erase(it);
      }
    }
  }
  if (!step.call_id.empty()) return answered || !open.empty() ? step.call_id : "";
  return open.empty() ? "" : open.front();
}

nlohmann::json session_chat(const std::vector<const TraceStep*>& steps) {
  std::map<std::string, std::string> failures;  // call id -> what said it failed
  nlohmann::json chat = nlohmann::json::array();
  int made = 0;
  for (const TraceStep* s : steps) {
    if (s->model) {
      nlohmann::json now = s->input.empty() ? chat : s->input;
      for (const auto& m : s->output) now.push_back(m);
      chat = std::move(now);
      continue;
    }
    if (s->tool.empty()) continue;
    bool answered = false;
    std::string id = call_in(chat, *s, answered);
    if (id.empty()) {
      id = s->call_id.empty() ? "trace-call-" + std::to_string(++made) : s->call_id;
      chat.push_back(
          {{"role", "assistant"},
           {"content", ""},
           {"tool_calls", nlohmann::json::array({tool_call(id, s->tool, s->arguments)})}});
    }
    if (!s->failure.empty()) failures[id] = s->failure;
    if (!answered && (!s->result.is_null() || !s->failure.empty())) {
      const std::string body = s->result.is_string() ? s->result.get<std::string>()
                               : s->result.is_null() ? std::string()
                                                     : s->result.dump();
      chat.push_back(tool_answer(id, body, s->failure));
    }
  }
  for (auto& m : chat) {  // an answer the model was given of a call its step says failed
    auto failed = failures.find(text_of(m, "tool_call_id"));
    if (text_of(m, "role") == "tool" && failed != failures.end()) {
      m["recorded_failure"] = failed->second;
    }
  }
  return chat;
}

}  // namespace

std::vector<OtelSession> sessions_of(const std::vector<TraceStep>& steps) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const TraceStep*>> grouped;
  for (const TraceStep& s : steps) {
    auto& group = grouped[s.session];
    if (group.empty()) order.push_back(s.session);
    group.push_back(&s);
  }
  std::vector<OtelSession> sessions;
  for (const std::string& key : order) {
    std::vector<const TraceStep*>& group = grouped[key];
    std::stable_sort(group.begin(), group.end(),
                     [](const TraceStep* a, const TraceStep* b) { return a->start < b->start; });
    OtelSession s{key.empty() ? "trace" : key, "", session_chat(group)};
    for (const TraceStep* step : group) {
      if (s.user.empty()) s.user = step->user;
    }
    sessions.push_back(std::move(s));
  }
  return sessions;
}

}  // namespace checkride
