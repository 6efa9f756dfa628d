#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "recorder/sse_turn.h"

namespace checkride {

// Rebuilds the assistant turn from an Anthropic Messages stream: each content block from its
// content_block_start, text_delta fragments appended to a text block, input_json_delta
// fragments joined and parsed into a tool_use block's `input` at its content_block_stop.
// Blocks are kept by index, so parallel tool_use blocks stay apart. message_stop ends it.
class AnthropicStream : public SseTurn {
 public:
  // {"role": "assistant", "content": [blocks]}, as the non-streamed response holds them.
  nlohmann::json message() const;

  nlohmann::json reply() const override { return message(); }

 private:
  void event(const nlohmann::json& data) override;
  void delta(std::size_t index, const nlohmann::json& d);
  void stop(std::size_t index);

  struct Block {
    nlohmann::json block;
    std::string partial_json;  // a tool_use's input as it streams
  };
  std::map<std::size_t, Block> blocks_;
};

}  // namespace checkride
