// The OpenAI Responses API: a request's `input` (a string, or items) and a response's
// `output` items. Messages are items with a role (content a string or input_text /
// output_text parts); function_call {call_id, name, arguments} and custom_tool_call {call_id,
// name, input} are calls, answered by function_call_output / custom_tool_call_output
// {call_id, output}. Reasoning and hosted tools' items (web_search_call, ...) are not
// replayed.
#include <set>

#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

const std::initializer_list<const char*> kTextParts = {"input_text", "output_text", "text"};

std::string required(const nlohmann::json& item, const char* key, const std::string& at) {
  std::string value = text_of(item, key);
  if (value.empty()) throw ShapeError{at + "." + key, "expected a non-empty string"};
  return value;
}

class ResponsesReader {
 public:
  void item(const nlohmann::json& it, const std::string& at) {
    if (!it.is_object()) throw ShapeError{at, "expected an item (an object)"};
    const std::string type = text_of(it, "type");
    if (it.contains("role") && (type.empty() || type == "message")) return message(it, at);
    if (type == "function_call" || type == "custom_tool_call") return call(it, at, type);
    if (type == "function_call_output" || type == "custom_tool_call_output") return answer(it, at);
  }

  nlohmann::json out = nlohmann::json::array();

 private:
  void message(const nlohmann::json& it, const std::string& at) {
    const std::string role = text_of(it, "role");
    if (role != "user" && role != "assistant" && role != "system" && role != "developer") {
      throw ShapeError{at + ".role",
                       "expected user, assistant, system or developer, got '" + role + "'"};
    }
    out.push_back({{"role", role},
                   {"content", parts_text(it.value("content", nlohmann::json("")), kTextParts)}});
  }

  void call(const nlohmann::json& it, const std::string& at, const std::string& type) {
    const std::string id = required(it, "call_id", at);
    if (!calls_.insert(id).second) throw ShapeError{at + ".call_id", "'" + id + "' used twice"};
    const nlohmann::json args =
        it.value(type == "function_call" ? "arguments" : "input", nlohmann::json(""));
    // Parallel calls come as consecutive items: one assistant turn holds them all.
    if (out.empty() || text_of(out.back(), "role") != "assistant") {
      out.push_back({{"role", "assistant"}, {"content", ""}});
    }
    out.back()["tool_calls"].push_back(tool_call(id, required(it, "name", at), args));
  }

  void answer(const nlohmann::json& it, const std::string& at) {
    const std::string id = required(it, "call_id", at);
    if (!calls_.count(id)) {
      throw ShapeError{at + ".call_id", "'" + id + "' answers no function_call before it"};
    }
    const nlohmann::json output = it.value("output", nlohmann::json(""));
    const std::string text =
        output.is_string() || output.is_array() ? parts_text(output, kTextParts) : output.dump();
    out.push_back(tool_answer(id, text, ""));
  }

  std::set<std::string> calls_;
};

void read_items(ResponsesReader& r, const nlohmann::json& items, const std::string& field) {
  if (items.is_string()) {  // `input: "..."`: one user turn
    r.item({{"role", "user"}, {"content", items}}, field);
    return;
  }
  if (!items.is_array()) throw ShapeError{field, "expected a string or a list of items"};
  for (std::size_t i = 0; i < items.size(); ++i) {
    r.item(items[i], field + "[" + std::to_string(i) + "]");
  }
}

}  // namespace

nlohmann::json responses_to_chat(const nlohmann::json& conv) {
  ResponsesReader r;
  if (conv.is_array()) {
    read_items(r, conv, "");
    return std::move(r.out);
  }
  if (!conv.is_object()) throw ShapeError{"", "expected items, or an object with input/output"};
  if (conv.contains("instructions")) {
    r.item({{"role", "system"}, {"content", text_of(conv, "instructions")}}, "instructions");
  }
  const bool input = conv.contains("input"), output = conv.contains("output");
  if (!input && !output) throw ShapeError{"input", "missing; expected input and/or output items"};
  if (input) read_items(r, conv["input"], "input");
  if (output) read_items(r, conv["output"], "output");
  return std::move(r.out);
}

}  // namespace checkride
