// An MCP log: the JSON-RPC 2.0 messages between a client and a server, in order. A
// `tools/call` request {id, params: {name, arguments}} is a call; the response with its id
// answers it: result.content's text parts (or result.structuredContent, when given), failed
// when result.isError is true or when it is an `error` object. Other methods (initialize,
// tools/list, notifications) are not replayed. A message may be wrapped as {message: {...}}.
#include <map>

#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

const nlohmann::json& unwrapped(const nlohmann::json& m) {
  auto inner = m.find("message");
  return m.is_object() && !m.contains("jsonrpc") && inner != m.end() && inner->is_object() ? *inner
                                                                                           : m;
}

bool is_id(const nlohmann::json& id) { return id.is_string() || id.is_number_integer(); }

nlohmann::json answer_of(const nlohmann::json& m, const std::string& call, const std::string& at) {
  if (m.contains("error")) {
    const nlohmann::json& e = m["error"];
    const std::string code = e.is_object() && e.contains("code") ? e["code"].dump() : "?";
    return tool_answer(call, e.is_object() ? text_of(e, "message") : e.dump(),
                       "a JSON-RPC error " + code);
  }
  const nlohmann::json& result = m.contains("result") ? m["result"] : nlohmann::json();
  if (!result.is_object()) throw ShapeError{at + ".result", "expected a result object or error"};
  std::string body = result.contains("structuredContent")
                         ? result["structuredContent"].dump()
                         : parts_text(result.value("content", nlohmann::json()), {"text"});
  return tool_answer(call, body, is_true(result, "isError") ? "isError: true" : "");
}

}  // namespace

nlohmann::json mcp_to_chat(const std::vector<nlohmann::json>& messages) {
  nlohmann::json out = nlohmann::json::array();
  // JSON-RPC id (as JSON) -> the call id of a tools/call still unanswered, "" for other
  // requests (client and server number theirs apart, so ids of those may repeat).
  std::map<std::string, std::string> calls;
  int n = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    const nlohmann::json& m = unwrapped(messages[i]);
    if (!m.is_object()) throw ShapeError{at, "expected a JSON-RPC message (an object)"};
    const nlohmann::json id = m.value("id", nlohmann::json());
    const std::string method = text_of(m, "method");
    if (!method.empty()) {
      if (!is_id(id)) continue;  // a notification
      std::string& pending = calls[id.dump()];
      if (method != "tools/call") continue;
      if (!pending.empty()) throw ShapeError{at + ".id", id.dump() + " is still unanswered"};
      const nlohmann::json params = m.value("params", nlohmann::json::object());
      const std::string name = text_of(params, "name");
      if (name.empty()) throw ShapeError{at + ".params.name", "expected the tool's name"};
      const std::string call = "mcp-" + std::to_string(++n);
      pending = call;
      out.push_back(
          {{"role", "assistant"},
           {"content", ""},
           {"tool_calls", nlohmann::json::array({tool_call(
                              call, name, params.value("arguments", nlohmann::json::object()))})}});
      continue;
    }
    if (!is_id(id)) throw ShapeError{at + ".id", "expected the id of the request it answers"};
    auto call = calls.find(id.dump());
    if (call == calls.end()) throw ShapeError{at + ".id", id.dump() + " answers no request"};
    if (!call->second.empty()) out.push_back(answer_of(m, call->second, at));
    call->second.clear();
  }
  return out;
}

}  // namespace checkride
