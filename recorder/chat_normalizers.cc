#include "recorder/chat_normalizers.h"

#include <algorithm>

namespace checkride {

std::string text_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool is_true(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string parts_text(const nlohmann::json& content, std::initializer_list<const char*> types) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content) {
    if (part.is_string()) {
      out += (out.empty() ? "" : "\n") + part.get<std::string>();
      continue;
    }
    const std::string type = text_of(part, "type");
    const bool wanted =
        types.size() == 0 ||  // no types: every part's words
        std::any_of(types.begin(), types.end(), [&](const char* t) { return type == t; });
    if (!wanted) continue;
    // Parts carry their words under `text` (Anthropic, OpenAI) or `content` (OTel).
    std::string words = text_of(part, "text");
    if (words.empty()) words = text_of(part, "content");
    if (!words.empty()) out += (out.empty() ? "" : "\n") + words;
  }
  return out;
}

nlohmann::json tool_answer(const std::string& call_id, const std::string& content,
                           const std::string& failure) {
  nlohmann::json m = {{"role", "tool"}, {"tool_call_id", call_id}, {"content", content}};
  if (!failure.empty()) m["recorded_failure"] = failure;
  return m;
}

nlohmann::json tool_call(const std::string& id, const std::string& name,
                         const nlohmann::json& arguments) {
  return {
      {"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", arguments}}}};
}

std::string format_user_id(TranscriptFormat f, const nlohmann::json& conv) {
  if (!conv.is_object()) return "";
  if (f == TranscriptFormat::kAnthropic) {
    auto meta = conv.find("metadata");
    return meta != conv.end() ? text_of(*meta, "user_id") : "";
  }
  if (f == TranscriptFormat::kOpenAiResponses) {
    const std::string user = text_of(conv, "user");
    return user.empty() ? text_of(conv, "safety_identifier") : user;
  }
  return "";
}

std::string format_session_id(TranscriptFormat f, const nlohmann::json& conv) {
  if (!conv.is_object() || f != TranscriptFormat::kOpenAiResponses) return "";
  auto it = conv.find("conversation");
  if (it == conv.end()) return "";
  return it->is_string() ? it->get<std::string>() : text_of(*it, "id");
}

}  // namespace checkride
