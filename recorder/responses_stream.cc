#include "recorder/responses_stream.h"

#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

constexpr std::size_t kMaxItems = 256;

}  // namespace

void ResponsesStream::event(const nlohmann::json& data) {
  const std::string type = text_of(data, "type");
  if (type == "response.created" || type == "response.in_progress") {
    auto r = data.find("response");
    if (r != data.end() && r->is_object()) id_ = text_of(*r, "id");
    return;
  }
  if (type == "response.completed" || type == "response.incomplete" || type == "response.failed") {
    return ended(data);
  }
  if (type == "error")
    return note("the upstream's stream ended in an error: " + text_of(data, "message"));
  const std::size_t at = index_below(data, "output_index", kMaxItems);
  if (type.rfind("response.", 0) != 0 || at == kMaxItems) return;
  if (type == "response.output_item.added" || type == "response.output_item.done") {
    auto item = data.find("item");
    if (item == data.end() || !item->is_object() || !keep(item->dump().size())) {
      return note(type + " without an item");
    }
    items_[at] = *item;
    return;
  }
  auto it = items_.find(at);
  if (it == items_.end()) return;  // a delta for an item that was never added
  nlohmann::json& item = it->second;
  if (type == "response.function_call_arguments.delta" ||
      type == "response.custom_tool_call_input.delta") {
    const char* field = type == "response.function_call_arguments.delta" ? "arguments" : "input";
    const std::string part = text_of(data, "delta");
    if (keep(part.size())) item[field] = text_of(item, field) + part;
  } else if (type == "response.function_call_arguments.done") {
    item["arguments"] = text_of(data, "arguments");
  } else if (type == "response.output_text.delta") {
    text_delta(item, data);
  }
}

void ResponsesStream::text_delta(nlohmann::json& item, const nlohmann::json& data) {
  const std::size_t part = index_below(data, "content_index", kMaxItems);
  const std::string delta = text_of(data, "delta");
  if (part == kMaxItems || !keep(delta.size())) return;
  if (!item.contains("content") || !item["content"].is_array()) {
    item["content"] = nlohmann::json::array();
  }
  nlohmann::json& content = item["content"];
  while (content.size() <= part) content.push_back({{"type", "output_text"}, {"text", ""}});
  if (!content[part].is_object()) content[part] = {{"type", "output_text"}, {"text", ""}};
  content[part]["text"] = text_of(content[part], "text") + delta;
}

void ResponsesStream::ended(const nlohmann::json& data) {
  mark_done();
  auto r = data.find("response");
  if (r == data.end() || !r->is_object()) return;
  if (id_.empty()) id_ = text_of(*r, "id");
  auto output = r->find("output");
  if (output != r->end() && output->is_array() && !output->empty()) final_output_ = *output;
  if (text_of(data, "type") == "response.failed") {
    auto error = r->find("error");
    note("the response failed: " +
         (error != r->end() && error->is_object() ? text_of(*error, "message") : ""));
  }
}

nlohmann::json ResponsesStream::response() const {
  nlohmann::json output = final_output_;
  if (!output.is_array()) {
    output = nlohmann::json::array();
    for (const auto& [index, item] : items_) output.push_back(item);
  }
  return {{"id", id_}, {"output", std::move(output)}};
}

}  // namespace checkride
