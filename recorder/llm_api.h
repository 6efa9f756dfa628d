#pragma once
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "recorder/sse_turn.h"
#include "recorder/transcript_format.h"

namespace checkride {

// What `record llm` knows of each API it records: OpenAI Chat Completions (kOpenAi), the
// OpenAI Responses API (kOpenAiResponses) and Anthropic Messages (kAnthropic). Each request
// and answer is read into chat messages by the same normalizer `record import` uses
// (chat_normalizers.h), so a recorded conversation and an imported one are one shape.

// One answer from the upstream: the assistant's turn as chat messages (empty: none), and
// what else the recorder keeps of it.
struct LlmTurn {
  nlohmann::json messages = nlohmann::json::array();
  std::string response_id;                          // the Responses API's `id`
  nlohmann::json output = nlohmann::json::array();  // the Responses API's output items
  std::string why_none;                             // when messages is empty
};

// The conversation a request holds, as chat messages. Throws ShapeError.
nlohmann::json request_conversation(TranscriptFormat api, const nlohmann::json& body);
// A 200 answer's turn, whole (non-streamed) or from its stream's assembler.
LlmTurn whole_answer_turn(TranscriptFormat api, const nlohmann::json& answer);
std::unique_ptr<SseTurn> stream_assembler(TranscriptFormat api);
LlmTurn streamed_turn(TranscriptFormat api, const SseTurn& stream);

// The proxy's own refusals and a broken stream's last event, in the API's error shape, so
// the client's SDK raises its usual error.
void api_error_body(TranscriptFormat api, httplib::Response& res, int status,
                    const std::string& message);
std::string broken_stream_event(TranscriptFormat api, const std::string& message);

}  // namespace checkride
