#include "recorder/stream_assembler.h"

namespace checkride {

void StreamAssembler::event(const nlohmann::json& chunk) {
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array()) return;
  for (std::size_t i = 0; i < choices->size(); ++i) {
    const nlohmann::json& choice = (*choices)[i];
    if (!choice.is_object()) {
      note("a choice that is not an object");
      continue;
    }
    auto index = choice.find("index");
    const bool first = index == choice.end() ? i == 0 : *index == 0;
    if (!first) {
      note("choices other than 0 (n > 1): only choice 0 is the turn");
      continue;
    }
    auto delta = choice.find("delta");
    if (delta != choice.end() && delta->is_object()) choice_delta(*delta);
  }
}

void StreamAssembler::choice_delta(const nlohmann::json& delta) {
  if (delta.contains("role") && delta["role"].is_string()) role_ = delta["role"];
  if (delta.contains("content") && delta["content"].is_string()) {
    const auto& text = delta["content"].get_ref<const std::string&>();
    if (keep(text.size())) content_ += text;
    has_content_ = true;
  }
  auto append = [this](Call& call, const nlohmann::json& fragment) {
    if (fragment.contains("id") && fragment["id"].is_string()) call.id = fragment["id"];
    if (fragment.contains("type") && fragment["type"].is_string()) call.type = fragment["type"];
    const auto& fn = fragment.contains("function") && fragment["function"].is_object()
                         ? fragment["function"]
                         : fragment;
    if (fn.contains("name") && fn["name"].is_string()) {
      const auto& name = fn["name"].get_ref<const std::string&>();
      if (keep(name.size())) call.name += name;
    }
    if (fn.contains("arguments") && fn["arguments"].is_string()) {
      const auto& arguments = fn["arguments"].get_ref<const std::string&>();
      if (keep(arguments.size())) call.arguments += arguments;
    }
  };
  if (delta.contains("tool_calls") && delta["tool_calls"].is_array()) {
    constexpr int kMaxCalls = 128;
    for (const auto& fragment : delta["tool_calls"]) {
      if (!fragment.is_object()) {
        note("a tool_calls fragment that is not an object");
        continue;
      }
      auto index = fragment.find("index");
      int at = static_cast<int>(calls_.size());
      if (index != fragment.end()) {
        if (!index->is_number_unsigned() || index->get<uint64_t>() >= kMaxCalls) {
          note("a tool_calls fragment whose index is not a small integer");
          continue;
        }
        at = static_cast<int>(index->get<uint64_t>());
      }
      if (at >= kMaxCalls) continue;
      append(calls_[at], fragment);
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
