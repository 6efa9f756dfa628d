#include "recorder/anthropic_stream.h"

#include "protocol/json_input.h"

namespace checkride {
namespace {

constexpr std::size_t kMaxBlocks = 256;

// The block index an event names, or kMaxBlocks when it names none that can be kept.
std::size_t index_of(const nlohmann::json& data) {
  auto it = data.find("index");
  if (it == data.end() || !it->is_number_unsigned() || it->get<uint64_t>() >= kMaxBlocks) {
    return kMaxBlocks;
  }
  return static_cast<std::size_t>(it->get<uint64_t>());
}

std::string text_at(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

void AnthropicStream::event(const nlohmann::json& data) {
  const std::string type = text_at(data, "type");
  if (type == "message_stop") return mark_done();
  if (type == "error") {
    auto error = data.find("error");
    note("the upstream's stream ended in an error: " +
         (error != data.end() && error->is_object() ? text_at(*error, "message") : ""));
    return;
  }
  if (type != "content_block_start" && type != "content_block_delta" &&
      type != "content_block_stop") {
    return;  // message_start, message_delta, ping: nothing of the turn's content
  }
  const std::size_t index = index_of(data);
  if (index == kMaxBlocks) return note("a content block event without a usable index");
  if (type == "content_block_start") {
    auto block = data.find("content_block");
    if (block == data.end() || !block->is_object() || !keep(block->dump().size())) {
      return note("a content_block_start without a content block");
    }
    blocks_[index] = Block{*block, ""};
  } else if (type == "content_block_delta") {
    auto d = data.find("delta");
    if (d != data.end() && d->is_object()) delta(index, *d);
  } else {
    stop(index);
  }
}

void AnthropicStream::delta(std::size_t index, const nlohmann::json& d) {
  auto it = blocks_.find(index);
  if (it == blocks_.end()) return note("a delta for a content block that never started");
  Block& b = it->second;
  const std::string type = text_at(d, "type");
  if (type == "text_delta") {
    const std::string text = text_at(d, "text");
    if (!keep(text.size())) return;
    b.block["text"] = text_at(b.block, "text") + text;
  } else if (type == "input_json_delta") {
    const std::string part = text_at(d, "partial_json");
    if (keep(part.size())) b.partial_json += part;
  }  // thinking and signature deltas are not replayed
}

void AnthropicStream::stop(std::size_t index) {
  auto it = blocks_.find(index);
  if (it == blocks_.end() || text_at(it->second.block, "type") != "tool_use") return;
  Block& b = it->second;
  if (b.partial_json.empty()) return;  // a call without arguments keeps its `input: {}`
  auto input = parse_json_or_discarded(b.partial_json);
  if (input.is_discarded()) {
    note("a tool_use whose streamed input is not JSON");
    b.block["input"] = b.partial_json;
  } else {
    b.block["input"] = std::move(input);
  }
  b.partial_json.clear();
}

nlohmann::json AnthropicStream::message() const {
  nlohmann::json content = nlohmann::json::array();
  for (const auto& [index, b] : blocks_) {
    nlohmann::json block = b.block;
    if (!b.partial_json.empty()) {  // never stopped: the stream broke off mid-call
      auto input = parse_json_or_discarded(b.partial_json);
      block["input"] = input.is_discarded() ? nlohmann::json(b.partial_json) : input;
    }
    content.push_back(std::move(block));
  }
  return {{"role", "assistant"}, {"content", std::move(content)}};
}

}  // namespace checkride
