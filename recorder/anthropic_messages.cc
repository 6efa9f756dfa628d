// Anthropic Messages: `messages` of user and assistant turns whose content is a string or a
// list of blocks: text, tool_use {id, name, input} from the assistant, tool_result
// {tool_use_id, content, is_error} from the user; `system` beside them. Thinking blocks and
// server-side tools are not replayed.
#include <set>

#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

std::string str_at(const nlohmann::json& block, const char* key, const std::string& field) {
  auto it = block.find(key);
  if (it == block.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw ShapeError{field + "." + key, "expected a non-empty string"};
  }
  return it->get<std::string>();
}

// The answers to the calls made so far, in the user turn's blocks; then its text.
void user_turn(const nlohmann::json& content, const std::string& field,
               const std::set<std::string>& calls, nlohmann::json& out) {
  for (std::size_t j = 0; j < content.size(); ++j) {
    const nlohmann::json& block = content[j];
    const std::string at = field + "[" + std::to_string(j) + "]";
    if (!block.is_object()) throw ShapeError{at, "expected a content block (an object)"};
    if (text_of(block, "type") == "tool_result") {
      const std::string id = str_at(block, "tool_use_id", at);
      if (!calls.count(id)) {
        throw ShapeError{at + ".tool_use_id", "'" + id + "' answers no tool_use before it"};
      }
      const nlohmann::json answer = block.value("content", nlohmann::json(""));
      std::string body =
          answer.is_string() || answer.is_array() ? parts_text(answer, {"text"}) : answer.dump();
      const bool failed = is_true(block, "is_error");
      out.push_back(tool_answer(id, body, failed ? "is_error: true" : ""));
    }
  }
  const std::string text = parts_text(content, {"text"});  // the text blocks, joined
  if (!text.empty()) out.push_back({{"role", "user"}, {"content", text}});
}

void assistant_turn(const nlohmann::json& content, const std::string& field,
                    std::set<std::string>& calls, nlohmann::json& out) {
  nlohmann::json message = {{"role", "assistant"}, {"content", ""}};
  for (std::size_t j = 0; j < content.size(); ++j) {
    const nlohmann::json& block = content[j];
    const std::string at = field + "[" + std::to_string(j) + "]";
    if (!block.is_object()) throw ShapeError{at, "expected a content block (an object)"};
    if (text_of(block, "type") == "tool_use") {
      const std::string id = str_at(block, "id", at);
      if (!calls.insert(id).second) throw ShapeError{at + ".id", "'" + id + "' used twice"};
      message["tool_calls"].push_back(
          tool_call(id, str_at(block, "name", at), block.value("input", nlohmann::json::object())));
    }
  }
  message["content"] = parts_text(content, {"text"});
  out.push_back(std::move(message));
}

}  // namespace

nlohmann::json anthropic_to_chat(const nlohmann::json& conv) {
  nlohmann::json out = nlohmann::json::array();
  const nlohmann::json* messages = &conv;
  std::string root;
  if (conv.is_object() && !conv.contains("role")) {
    if (conv.contains("system")) {
      out.push_back({{"role", "system"}, {"content", parts_text(conv["system"], {"text"})}});
    }
    auto it = conv.find("messages");
    if (it == conv.end()) throw ShapeError{"messages", "missing; expected the Messages list"};
    messages = &*it;
    root = "messages";
  }
  if (!messages->is_array()) throw ShapeError{root, "expected a list of messages"};
  std::set<std::string> calls;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const nlohmann::json& m = (*messages)[i];
    const std::string at = root + "[" + std::to_string(i) + "]";
    if (!m.is_object()) throw ShapeError{at, "expected a message object"};
    const std::string role = text_of(m, "role");
    nlohmann::json content = m.value("content", nlohmann::json());
    if (content.is_string())
      content = nlohmann::json::array({{{"type", "text"}, {"text", content}}});
    if (!content.is_array()) throw ShapeError{at + ".content", "expected a string or blocks"};
    if (role == "user") {
      user_turn(content, at + ".content", calls, out);
    } else if (role == "assistant") {
      assistant_turn(content, at + ".content", calls, out);
    } else {
      throw ShapeError{at + ".role", "expected user or assistant, got '" + role + "'"};
    }
  }
  return out;
}

}  // namespace checkride
