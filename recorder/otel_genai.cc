// OpenTelemetry GenAI spans in OTLP JSON (resourceSpans > scopeSpans > spans), as the GenAI
// semantic conventions write them. Spans group into sessions by gen_ai.conversation.id, else
// by trace, and are read in start order:
//  - a chat span's gen_ai.input.messages is the conversation the model saw (it replaces what
//    was read so far) and gen_ai.output.messages its answer: messages {role, parts} with
//    parts text {content}, tool_call {id, name, arguments} and tool_call_response {id,
//    response};
//  - an execute_tool span (gen_ai.tool.name, gen_ai.tool.call.id, .arguments, .result) is a
//    call and its answer, failed when the span's status is ERROR; a call the chat spans
//    already hold only lends it its answer and status.
#include <algorithm>
#include <map>

#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

// An OTLP AnyValue as JSON: a string, number, bool, list or map.
nlohmann::json any_value(const nlohmann::json& v) {
  if (!v.is_object()) return nullptr;
  if (v.contains("stringValue")) return v["stringValue"];
  if (v.contains("boolValue")) return v["boolValue"];
  if (v.contains("doubleValue")) return v["doubleValue"];
  if (v.contains("intValue")) {  // int64 travels as a decimal string in OTLP JSON
    const nlohmann::json& i = v["intValue"];
    return i.is_string()
               ? nlohmann::json(std::strtoll(i.get_ref<const std::string&>().c_str(), nullptr, 10))
               : i;
  }
  nlohmann::json out;
  if (v.contains("arrayValue") && v["arrayValue"].is_object()) {
    out = nlohmann::json::array();
    for (const auto& e : v["arrayValue"].value("values", nlohmann::json::array())) {
      out.push_back(any_value(e));
    }
  }
  return out;
}

struct Span {
  std::string trace, conversation, user, operation, tool, call_id, name;
  nlohmann::json input, output, arguments, result;
  bool failed = false;
  std::string failure;
  uint64_t start = 0;
  std::string field;
};

// A message-list attribute: JSON text (the conventions' form) or a structured list.
nlohmann::json messages_attribute(const nlohmann::json& value, const std::string& field) {
  if (!value.is_string()) return value.is_array() ? value : nlohmann::json::array();
  try {
    nlohmann::json parsed = nlohmann::json::parse(value.get_ref<const std::string&>());
    if (parsed.is_array()) return parsed;
  } catch (const nlohmann::json::parse_error&) {
  }
  throw ShapeError{field, "expected a JSON list of messages"};
}

Span read_span(const nlohmann::json& s, const std::string& field) {
  if (!s.is_object()) throw ShapeError{field, "expected a span object"};
  Span span;
  span.field = field;
  span.trace = text_of(s, "traceId");
  span.name = text_of(s, "name");
  const std::string start = text_of(s, "startTimeUnixNano");
  span.start = start.empty() ? s.value("startTimeUnixNano", uint64_t{0})
                             : std::strtoull(start.c_str(), nullptr, 10);
  const nlohmann::json attrs = s.value("attributes", nlohmann::json::array());
  if (!attrs.is_array()) throw ShapeError{field + ".attributes", "expected a list"};
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    const std::string key = text_of(attrs[i], "key");
    const nlohmann::json v = any_value(attrs[i].value("value", nlohmann::json()));
    const std::string at = field + ".attributes[" + std::to_string(i) + "]";
    if (key == "gen_ai.conversation.id" && v.is_string()) span.conversation = v;
    if ((key == "user.id" || key == "enduser.id") && v.is_string()) span.user = v;
    if (key == "gen_ai.operation.name" && v.is_string()) span.operation = v;
    if (key == "gen_ai.tool.name" && v.is_string()) span.tool = v;
    if (key == "gen_ai.tool.call.id" && v.is_string()) span.call_id = v;
    if (key == "gen_ai.tool.call.arguments") span.arguments = v;
    if (key == "gen_ai.tool.call.result") span.result = v;
    if (key == "gen_ai.input.messages") span.input = messages_attribute(v, at);
    if (key == "gen_ai.output.messages") span.output = messages_attribute(v, at);
  }
  const nlohmann::json status = s.value("status", nlohmann::json::object());
  const nlohmann::json code = status.is_object() ? status.value("code", nlohmann::json()) : nullptr;
  if (code == 2 || code == "STATUS_CODE_ERROR") {
    span.failed = true;
    span.failure = "the span's status is ERROR";
    const std::string why = text_of(status, "message");
    if (!why.empty()) span.failure += ": " + why;
  }
  return span;
}

// One OTel message {role, parts} as chat messages (a tool role's answers are one each).
void add_message(const nlohmann::json& m, const std::map<std::string, const Span*>& tools,
                 nlohmann::json& out) {
  if (!m.is_object()) return;
  const std::string role = text_of(m, "role");
  nlohmann::json chat = {{"role", role}, {"content", ""}};
  std::string text;
  for (const auto& part : m.value("parts", nlohmann::json::array())) {
    const std::string type = text_of(part, "type");
    if (type == "text") text += (text.empty() ? "" : "\n") + text_of(part, "content");
    if (type == "tool_call") {
      chat["tool_calls"].push_back(tool_call(text_of(part, "id"), text_of(part, "name"),
                                             part.value("arguments", nlohmann::json::object())));
    }
    if (type == "tool_call_response") {
      const std::string id = text_of(part, "id");
      const nlohmann::json r = part.value("response", nlohmann::json());
      auto span = tools.find(id);
      out.push_back(
          tool_answer(id, r.is_string() ? r.get<std::string>() : r.dump(),
                      span != tools.end() && span->second->failed ? span->second->failure : ""));
    }
  }
  if (role == "tool") return;
  chat["content"] = text;
  out.push_back(std::move(chat));
}

}  // namespace

namespace {

std::vector<Span> read_spans(const std::vector<nlohmann::json>& docs) {
  std::vector<Span> spans;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const std::string root = "[" + std::to_string(d) + "].resourceSpans";
    const nlohmann::json rs =
        docs[d].is_object() ? docs[d].value("resourceSpans", nlohmann::json()) : nlohmann::json();
    if (!rs.is_array()) throw ShapeError{root, "expected OTLP JSON's resourceSpans list"};
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const std::string ri = root + "[" + std::to_string(i) + "].scopeSpans";
      const nlohmann::json ss =
          rs[i].is_object() ? rs[i].value("scopeSpans", nlohmann::json()) : nlohmann::json();
      if (!ss.is_array()) throw ShapeError{ri, "expected a list"};
      for (std::size_t j = 0; j < ss.size(); ++j) {
        const std::string sj = ri + "[" + std::to_string(j) + "].spans";
        const nlohmann::json list =
            ss[j].is_object() ? ss[j].value("spans", nlohmann::json()) : nlohmann::json();
        if (!list.is_array()) throw ShapeError{sj, "expected a list"};
        for (std::size_t k = 0; k < list.size(); ++k) {
          spans.push_back(read_span(list[k], sj + "[" + std::to_string(k) + "]"));
        }
      }
    }
  }
  return spans;
}

bool holds_call(const nlohmann::json& chat, const std::string& id, bool& answered) {
  bool called = false;
  answered = false;
  for (const auto& m : chat) {
    for (const auto& c : m.value("tool_calls", nlohmann::json::array())) {
      called = called || text_of(c, "id") == id;
    }
    answered = answered || (text_of(m, "role") == "tool" && text_of(m, "tool_call_id") == id);
  }
  return called;
}

// One session's spans, in start order, as chat messages.
nlohmann::json session_chat(const std::vector<const Span*>& spans) {
  std::map<std::string, const Span*> tools;  // call id -> its execute_tool span
  for (const Span* s : spans) {
    if (!s->tool.empty() && !s->call_id.empty()) tools[s->call_id] = s;
  }
  nlohmann::json chat = nlohmann::json::array();
  int made = 0;
  for (const Span* s : spans) {
    if (s->input.is_array() || s->output.is_array()) {
      nlohmann::json now = nlohmann::json::array();
      if (s->input.is_array() && !s->input.empty()) {
        for (const auto& m : s->input) add_message(m, tools, now);
      } else {
        now = chat;  // no input recorded: what came before stands
      }
      if (s->output.is_array()) {
        for (const auto& m : s->output) add_message(m, tools, now);
      }
      chat = std::move(now);
      continue;
    }
    if (s->tool.empty()) continue;
    const std::string id = s->call_id.empty() ? "otel-call-" + std::to_string(++made) : s->call_id;
    bool answered = false;
    if (!holds_call(chat, id, answered)) {
      chat.push_back(
          {{"role", "assistant"},
           {"content", ""},
           {"tool_calls", nlohmann::json::array({tool_call(id, s->tool, s->arguments)})}});
    }
    if (!answered && (!s->result.is_null() || s->failed)) {
      const std::string body = s->result.is_string() ? s->result.get<std::string>()
                               : s->result.is_null() ? std::string()
                                                     : s->result.dump();
      chat.push_back(tool_answer(id, body, s->failed ? s->failure : ""));
    }
  }
  return chat;
}

}  // namespace

std::vector<OtelSession> otel_sessions(const std::vector<nlohmann::json>& docs) {
  const std::vector<Span> spans = read_spans(docs);
  std::map<std::string, std::string> conversation_of;  // trace -> its conversation id
  for (const Span& s : spans) {
    if (!s.conversation.empty()) conversation_of.emplace(s.trace, s.conversation);
  }
  std::vector<std::string> order;  // sessions in the order they are first seen
  std::map<std::string, std::vector<const Span*>> grouped;
  for (const Span& s : spans) {
    auto conv = conversation_of.find(s.trace);
    const std::string key = conv != conversation_of.end() ? conv->second : s.trace;
    auto& group = grouped[key];
    if (group.empty()) order.push_back(key);
    group.push_back(&s);
  }
  std::vector<OtelSession> sessions;
  for (const std::string& key : order) {
    std::vector<const Span*>& group = grouped[key];
    std::stable_sort(group.begin(), group.end(),
                     [](const Span* a, const Span* b) { return a->start < b->start; });
    OtelSession s{key.empty() ? "otel" : key, "", session_chat(group)};
    for (const Span* span : group) {
      if (s.user.empty()) s.user = span->user;
    }
    sessions.push_back(std::move(s));
  }
  return sessions;
}

}  // namespace checkride
