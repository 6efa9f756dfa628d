#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "recorder/sse_turn.h"

namespace checkride {

// Rebuilds the assistant message from an OpenAI chat-completions SSE stream: content deltas
// concatenated, tool calls reassembled by index (id and name from their first fragment,
// argument fragments appended in order), and the legacy `function_call` delta the same way.
class StreamAssembler : public SseTurn {
 public:
  // The message so far, in the non-streaming response's shape.
  nlohmann::json message() const;

  nlohmann::json reply() const override { return message(); }

 private:
  void event(const nlohmann::json& chunk) override;
  void choice_delta(const nlohmann::json& delta);

  std::string role_ = "assistant";
  std::string content_;
  bool has_content_ = false;
  struct Call {
    std::string id, type = "function", name, arguments;
  };
  std::map<int, Call> calls_;
  bool has_function_call_ = false;
  Call function_call_;
};

}  // namespace checkride
