#include "recorder/stream_assembler.h"

#include "protocol/json_input.h"

namespace checkride {

void StreamAssembler::feed(std::string_view bytes) {
  pending_.append(bytes);
  std::size_t start = 0;
  while (true) {
    std::size_t nl = pending_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string text = pending_.substr(start, nl - start);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    line(text);
    start = nl + 1;
  }
  pending_.erase(0, start);
}

void StreamAssembler::line(const std::string& text) {
  if (text.rfind("data:", 0) != 0) return;  // comments, event:, id:, blank separators
  std::string data = text.substr(5);
  if (!data.empty() && data.front() == ' ') data.erase(0, 1);
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  auto chunk = parse_json_or_discarded(data);
  if (chunk.is_discarded() || !chunk.is_object()) return;
  ++chunks_;
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return;
  const auto& delta = (*choices)[0].value("delta", nlohmann::json::object());
  if (!delta.is_object()) return;
  if (delta.contains("role") && delta["role"].is_string()) role_ = delta["role"];
  if (delta.contains("content") && delta["content"].is_string()) {
    content_ += delta["content"].get<std::string>();
    has_content_ = true;
  }
  auto append = [](Call& call, const nlohmann::json& fragment) {
    if (fragment.contains("id") && fragment["id"].is_string()) call.id = fragment["id"];
    if (fragment.contains("type") && fragment["type"].is_string()) call.type = fragment["type"];
    const auto& fn = fragment.contains("function") ? fragment["function"] : fragment;
    if (fn.contains("name") && fn["name"].is_string()) call.name += fn["name"].get<std::string>();
    if (fn.contains("arguments") && fn["arguments"].is_string()) {
      call.arguments += fn["arguments"].get<std::string>();
    }
  };
  if (delta.contains("tool_calls") && delta["tool_calls"].is_array()) {
    for (const auto& fragment : delta["tool_calls"]) {
      int index = fragment.value("index", static_cast<int>(calls_.size()));
      append(calls_[index], fragment);
    }
  }
  if (delta.contains("function_call") && delta["function_call"].is_object()) {
    has_function_call_ = true;
    append(function_call_, delta["function_call"]);
  }
}

nlohmann::json StreamAssembler::message() const {
  nlohmann::json m = {{"role", role_}};
  m["content"] = has_content_ ? nlohmann::json(content_) : nlohmann::json(nullptr);
  if (!calls_.empty()) {
    m["tool_calls"] = nlohmann::json::array();
    for (const auto& [index, c] : calls_) {
      m["tool_calls"].push_back({{"id", c.id},
                                 {"type", c.type},
                                 {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
  }
  if (has_function_call_) {
    m["function_call"] = {{"name", function_call_.name}, {"arguments", function_call_.arguments}};
  }
  return m;
}

}  // namespace checkride
