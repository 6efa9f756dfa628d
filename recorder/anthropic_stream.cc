#include "recorder/anthropic_stream.h"

#include "protocol/json_input.h"
#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

constexpr std::size_t kMaxBlocks = 256;

}  // namespace

void AnthropicStream::event(const nlohmann::json& data) {
  const std::string type = text_of(data, "type");
  if (type == "message_stop") return mark_done();
  if (type == "error") {
    auto error = data.find("error");
    note("the upstream's stream ended in an error: " +
         (error != data.end() && error->is_object() ? text_of(*error, "message") : ""));
    return;
  }
  if (type != "content_block_start" && type != "content_block_delta" &&
      type != "content_block_stop") {
    return;  // message_start, message_delta, ping: nothing of the turn's content
  }
  const std::size_t index = index_below(data, "index", kMaxBlocks);
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
  const std::string type = text_of(d, "type");
  if (type == "text_delta") {
    const std::string text = text_of(d, "text");
    if (!keep(text.size())) return;
    b.block["text"] = text_of(b.block, "text") + text;
  } else if (type == "input_json_delta") {
    const std::string part = text_of(d, "partial_json");
    if (keep(part.size())) b.partial_json += part;
  }  // thinking and signature deltas are not replayed
}

void AnthropicStream::stop(std::size_t index) {
  auto it = blocks_.find(index);
  if (it == blocks_.end() || text_of(it->second.block, "type") != "tool_use") return;
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
