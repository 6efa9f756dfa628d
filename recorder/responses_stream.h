#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "recorder/sse_turn.h"

namespace checkride {

// Rebuilds a response's output from an OpenAI Responses API stream: each item from its
// response.output_item.added, output_text deltas appended to its content part, function-call
// argument deltas joined, and an item replaced whole by its response.output_item.done.
// Items are kept by output_index, so parallel calls stay apart. response.completed (or
// .incomplete, .failed) ends it; its full `output`, when it carries one, is the answer.
class ResponsesStream : public SseTurn {
 public:
  // {"id": the response's id, "output": [items]}, as the non-streamed response holds them.
  nlohmann::json response() const;

  nlohmann::json reply() const override { return response(); }

 private:
  void event(const nlohmann::json& data) override;
  void ended(const nlohmann::json& data);
  void text_delta(nlohmann::json& item, const nlohmann::json& data);

  std::string id_;
  std::map<std::size_t, nlohmann::json> items_;
  nlohmann::json final_output_;  // response.completed's own output, when it had one
};

}  // namespace checkride
