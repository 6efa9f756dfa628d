// DashScope's native shape (Qwen): a request's input.messages, OpenAI-shaped, and a response's
// output.choices[0].message (or output.text). A list of such exchanges is one conversation.
#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

void exchange(const nlohmann::json& x, const std::string& at, nlohmann::json& out) {
  if (!x.is_object()) throw ShapeError{at, "expected a request/response object"};
  auto input = x.find("input");
  if (input != x.end()) {
    if (!input->is_object() || !input->contains("messages") || !(*input)["messages"].is_array()) {
      throw ShapeError{at + "input.messages", "expected the request's message list"};
    }
    out = (*input)["messages"];  // each request carries the conversation so far
  }
  auto output = x.find("output");
  if (output == x.end()) return;
  if (!output->is_object()) throw ShapeError{at + "output", "expected an object"};
  auto choices = output->find("choices");
  if (choices != output->end()) {
    if (!choices->is_array() || choices->empty() || !(*choices)[0].is_object() ||
        !(*choices)[0].contains("message") || !(*choices)[0]["message"].is_object()) {
      throw ShapeError{at + "output.choices", "expected a list whose first holds a message"};
    }
    out.push_back((*choices)[0]["message"]);
  } else if (output->contains("text")) {
    out.push_back({{"role", "assistant"}, {"content", text_of(*output, "text")}});
  }
}

}  // namespace

nlohmann::json dashscope_to_chat(const nlohmann::json& conv) {
  nlohmann::json out = nlohmann::json::array();
  if (conv.is_array()) {
    for (std::size_t i = 0; i < conv.size(); ++i) {
      exchange(conv[i], "[" + std::to_string(i) + "].", out);
    }
  } else {
    exchange(conv, "", out);
  }
  if (out.empty()) throw ShapeError{"input", "missing; expected input.messages or output.choices"};
  return out;
}

}  // namespace checkride
