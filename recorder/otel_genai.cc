// OpenTelemetry GenAI spans in OTLP JSON (resourceSpans > scopeSpans > spans), as the GenAI
// semantic conventions write them, read into trace steps (trace_steps.h): a span with
// gen_ai.input.messages / gen_ai.output.messages (JSON lists of {role, parts}) is a model
// call; an execute_tool span (gen_ai.tool.name, gen_ai.tool.call.id, .arguments, .result)
// a tool call, failed when its status is ERROR. Sessions are gen_ai.conversation.id (a trace
// takes the one any of its spans carries), else the trace id; the user is user.id.
#include <map>

#include "recorder/trace_steps.h"

namespace checkride {
namespace {

// An OTLP AnyValue as JSON: a string, number, bool or list.
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
    const nlohmann::json values = v["arrayValue"].value("values", nlohmann::json::array());
    for (const auto& e : values) out.push_back(any_value(e));
  }
  return out;
}

// A message-list attribute, JSON text (the conventions' form) or a list, as chat messages.
nlohmann::json messages_attribute(const nlohmann::json& value, const std::string& field) {
  nlohmann::json list = value;
  if (value.is_string()) {
    try {
      list = nlohmann::json::parse(value.get_ref<const std::string&>());
    } catch (const nlohmann::json::parse_error&) {
    }
  }
  if (!list.is_array()) throw ShapeError{field, "expected a JSON list of messages"};
  nlohmann::json chat = nlohmann::json::array();
  for (const auto& m : list) add_loose_message(m, chat);
  return chat;
}

struct SpanReading {
  TraceStep step;
  std::string trace, conversation;
};

void read_attribute(const nlohmann::json& attr, const std::string& at, SpanReading& r) {
  const std::string key = text_of(attr, "key");
  const nlohmann::json v = any_value(attr.value("value", nlohmann::json()));
  TraceStep& s = r.step;
  if (key == "gen_ai.conversation.id" && v.is_string()) r.conversation = v;
  if ((key == "user.id" || key == "enduser.id") && v.is_string()) s.user = v;
  if (key == "gen_ai.tool.name" && v.is_string()) s.tool = v;
  if (key == "gen_ai.tool.call.id" && v.is_string()) s.call_id = v;
  if (key == "gen_ai.tool.call.arguments") s.arguments = v;
  if (key == "gen_ai.tool.call.result") s.result = v;
  if (key == "gen_ai.input.messages") {
    s.input = messages_attribute(v, at);
    s.model = true;
  }
  if (key == "gen_ai.output.messages") {
    s.output = messages_attribute(v, at);
    s.model = true;
  }
}

SpanReading read_span(const nlohmann::json& span, const std::string& field) {
  if (!span.is_object()) throw ShapeError{field, "expected a span object"};
  SpanReading r;
  r.trace = text_of(span, "traceId");
  const nlohmann::json start = span.value("startTimeUnixNano", nlohmann::json());
  r.step.start = start.is_string()
                     ? std::strtoull(start.get_ref<const std::string&>().c_str(), nullptr, 10)
                 : start.is_number_unsigned() ? start.get<uint64_t>()
                                              : 0;
  const nlohmann::json attrs = span.value("attributes", nlohmann::json::array());
  if (!attrs.is_array()) throw ShapeError{field + ".attributes", "expected a list"};
  for (std::size_t i = 0; i < attrs.size(); ++i) {
    read_attribute(attrs[i], field + ".attributes[" + std::to_string(i) + "]", r);
  }
  const nlohmann::json status = span.value("status", nlohmann::json::object());
  const nlohmann::json code = status.is_object() ? status.value("code", nlohmann::json()) : nullptr;
  if (code == 2 || code == "STATUS_CODE_ERROR") {
    const std::string why = text_of(status, "message");
    r.step.failure = "the span's status is ERROR" + (why.empty() ? "" : ": " + why);
  }
  return r;
}

// The list under `key` of `j` (a document, resource or scope), or a ShapeError at `field`.
const nlohmann::json& list_at(const nlohmann::json& j, const char* key, const std::string& field) {
  static const nlohmann::json kNone;
  const nlohmann::json& list = j.is_object() && j.contains(key) ? j[key] : kNone;
  if (!list.is_array()) throw ShapeError{field, "expected a list"};
  return list;
}

}  // namespace

std::vector<OtelSession> otel_sessions(const std::vector<nlohmann::json>& docs) {
  std::vector<SpanReading> spans;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const std::string root = "[" + std::to_string(d) + "].resourceSpans";
    const nlohmann::json& rs = list_at(docs[d], "resourceSpans", root);
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const std::string ri = root + "[" + std::to_string(i) + "].scopeSpans";
      const nlohmann::json& ss = list_at(rs[i], "scopeSpans", ri);
      for (std::size_t j = 0; j < ss.size(); ++j) {
        const std::string sj = ri + "[" + std::to_string(j) + "].spans";
        const nlohmann::json& list = list_at(ss[j], "spans", sj);
        for (std::size_t k = 0; k < list.size(); ++k) {
          spans.push_back(read_span(list[k], sj + "[" + std::to_string(k) + "]"));
        }
      }
    }
  }
  std::map<std::string, std::string> conversation_of;  // trace -> its conversation id
  for (const SpanReading& s : spans) {
    if (!s.conversation.empty()) conversation_of.emplace(s.trace, s.conversation);
  }
  std::vector<TraceStep> steps;
  for (SpanReading& s : spans) {
    auto conv = conversation_of.find(s.trace);
    s.step.session = conv != conversation_of.end() ? conv->second : s.trace;
    steps.push_back(std::move(s.step));
  }
  return sessions_of(steps);
}

}  // namespace checkride
