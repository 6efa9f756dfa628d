// Gemini: `contents`, each {role: user | model, parts}; a part is {text}, {functionCall:
// {name, args, id}} or {functionResponse: {name, response, id}}; `systemInstruction` beside
// them. A response object's candidates[0].content is one more turn. Answers pair with calls
// by id when the call has one, else with the oldest unanswered call of the same name.
// Thought parts and inline data are not replayed.
#include <deque>

#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

class GeminiReader {
 public:
  void content(const nlohmann::json& c, const std::string& at) {
    if (!c.is_object()) throw ShapeError{at, "expected a content object"};
    auto parts = c.find("parts");
    if (parts == c.end() || !parts->is_array()) throw ShapeError{at + ".parts", "expected a list"};
    const std::string role = text_of(c, "role");
    nlohmann::json turn = {{"role", role == "model" ? "assistant" : "user"}, {"content", ""}};
    std::string text;
    for (std::size_t j = 0; j < parts->size(); ++j) {
      const nlohmann::json& p = (*parts)[j];
      const std::string pat = at + ".parts[" + std::to_string(j) + "]";
      if (!p.is_object()) throw ShapeError{pat, "expected a part object"};
      if (p.contains("functionCall")) {
        turn["tool_calls"].push_back(call(p["functionCall"], pat + ".functionCall"));
      } else if (p.contains("functionResponse")) {
        out.push_back(answer(p["functionResponse"], pat + ".functionResponse"));
      } else if (!is_true(p, "thought") && p.contains("text")) {
        text += (text.empty() ? "" : "\n") + text_of(p, "text");
      }
    }
    turn["content"] = text;
    if (!text.empty() || turn.contains("tool_calls")) out.push_back(std::move(turn));
  }

  nlohmann::json out = nlohmann::json::array();

 private:
  nlohmann::json call(const nlohmann::json& fc, const std::string& at) {
    const std::string name = text_of(fc, "name");
    if (name.empty()) throw ShapeError{at + ".name", "expected a non-empty string"};
    std::string id = text_of(fc, "id");
    if (id.empty()) id = "gemini-call-" + std::to_string(++made_);
    for (const auto& [other, _] : unanswered_) {
      if (other == id) throw ShapeError{at + ".id", "'" + id + "' used twice"};
    }
    unanswered_.emplace_back(id, name);
    return tool_call(id, name, fc.value("args", nlohmann::json::object()));
  }

  nlohmann::json answer(const nlohmann::json& fr, const std::string& at) {
    const std::string name = text_of(fr, "name"), id = text_of(fr, "id");
    auto it = unanswered_.begin();
    for (; it != unanswered_.end(); ++it) {
      if (id.empty() ? it->second == name : it->first == id) break;
    }
    if (it == unanswered_.end()) {
      throw ShapeError{at + (id.empty() ? ".name" : ".id"),
                       "'" + (id.empty() ? name : id) + "' answers no functionCall before it"};
    }
    const std::string call_id = it->first;
    unanswered_.erase(it);
    const nlohmann::json response = fr.value("response", nlohmann::json::object());
    // Gemini's documented failure is a response holding `error`; the status reader sees it.
    return tool_answer(call_id,
                       response.is_string() ? response.get<std::string>() : response.dump(), "");
  }

  std::deque<std::pair<std::string, std::string>> unanswered_;  // (id, name), oldest first
  int made_ = 0;
};

}  // namespace

nlohmann::json gemini_to_chat(const nlohmann::json& conv) {
  GeminiReader r;
  const nlohmann::json* contents = &conv;
  std::string root;
  if (conv.is_object() && !conv.contains("parts")) {
    if (conv.contains("systemInstruction")) {
      const nlohmann::json& si = conv["systemInstruction"];
      r.out.push_back(
          {{"role", "system"},
           {"content", si.is_object() ? parts_text(si.value("parts", nlohmann::json()), {}) : ""}});
    }
    auto it = conv.find("contents");
    if (it == conv.end()) throw ShapeError{"contents", "missing; expected the contents list"};
    contents = &*it;
    root = "contents";
  }
  if (!contents->is_array()) throw ShapeError{root, "expected a list of contents"};
  for (std::size_t i = 0; i < contents->size(); ++i) {
    const nlohmann::json& c = (*contents)[i];
    const std::string at = root + "[" + std::to_string(i) + "]";
    // A logged response: its first candidate's content is the model's turn.
    if (c.is_object() && c.contains("candidates")) {
      const nlohmann::json& cands = c["candidates"];
      if (!cands.is_array() || cands.empty() || !cands[0].is_object() ||
          !cands[0].contains("content")) {
        throw ShapeError{at + ".candidates", "expected a list whose first holds content"};
      }
      r.content(cands[0]["content"], at + ".candidates[0].content");
      continue;
    }
    r.content(c, at);
  }
  return std::move(r.out);
}

}  // namespace checkride
