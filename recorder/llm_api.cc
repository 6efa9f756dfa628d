#include "recorder/llm_api.h"

#include "recorder/anthropic_stream.h"
#include "recorder/chat_normalizers.h"
#include "recorder/responses_stream.h"
#include "recorder/stream_assembler.h"
#include "recorder/upstream_relay.h"

namespace checkride {
namespace {

// The assistant's turn from what the answer held in the API's own shape.
LlmTurn turn_from(TranscriptFormat api, const nlohmann::json& reply) {
  LlmTurn turn;
  try {
    if (api == TranscriptFormat::kAnthropic) {
      turn.messages = anthropic_to_chat(nlohmann::json::array({reply}));
    } else if (api == TranscriptFormat::kOpenAiResponses) {
      turn.response_id = text_of(reply, "id");
      turn.output = reply.value("output", nlohmann::json::array());
      turn.messages = responses_to_chat(turn.output);
    } else {
      turn.messages = nlohmann::json::array({reply});
    }
  } catch (const ShapeError& e) {
    turn.messages = nlohmann::json::array();
    turn.why_none = "the upstream's answer does not fit its API at " + e.field + ": " + e.message;
  } catch (const nlohmann::json::exception& e) {  // runs on the upstream's thread: never escapes
    turn.messages = nlohmann::json::array();
    turn.why_none = std::string("the upstream's answer does not fit its API: ") + e.what();
  }
  if (turn.messages.empty() && turn.why_none.empty()) turn.why_none = "the answer held no turn";
  return turn;
}

}  // namespace

nlohmann::json request_conversation(TranscriptFormat api, const nlohmann::json& body) {
  if (api == TranscriptFormat::kAnthropic) return anthropic_to_chat(body);
  if (api == TranscriptFormat::kOpenAiResponses) {
    nlohmann::json request = {{"input", body.contains("input") ? body["input"] : ""}};
    if (body.contains("instructions") && body["instructions"].is_string()) {
      request["instructions"] = body["instructions"];
    }
    return responses_to_chat(request);
  }
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) {
    throw ShapeError{"messages", "expected the list of chat messages"};
  }
  return *messages;
}

LlmTurn whole_answer_turn(TranscriptFormat api, const nlohmann::json& answer) {
  if (!answer.is_object()) {
    LlmTurn none;
    none.why_none = "the answer is not a JSON object";
    return none;
  }
  if (api == TranscriptFormat::kOpenAi) {
    auto choices = answer.find("choices");
    if (choices == answer.end() || !choices->is_array() || choices->empty() ||
        !(*choices)[0].is_object() || !(*choices)[0].contains("message")) {
      LlmTurn none;
      none.why_none = "the answer holds no choices[0].message";
      return none;
    }
    return turn_from(api, (*choices)[0]["message"]);
  }
  return turn_from(api, answer);
}

std::unique_ptr<SseTurn> stream_assembler(TranscriptFormat api) {
  if (api == TranscriptFormat::kAnthropic) return std::make_unique<AnthropicStream>();
  if (api == TranscriptFormat::kOpenAiResponses) return std::make_unique<ResponsesStream>();
  return std::make_unique<StreamAssembler>();
}

LlmTurn streamed_turn(TranscriptFormat api, const SseTurn& stream) {
  return turn_from(api, stream.reply());
}

void api_error_body(TranscriptFormat api, httplib::Response& res, int status,
                    const std::string& message) {
  if (api != TranscriptFormat::kAnthropic) return upstream_error_body(res, status, message);
  res.status = status;
  nlohmann::json body = {{"type", "error"},
                         {"error", {{"type", "api_error"}, {"message", message}}}};
  res.set_content(body.dump(), "application/json");
}

std::string broken_stream_event(TranscriptFormat api, const std::string& message) {
  if (api == TranscriptFormat::kAnthropic) {
    // Anthropic's SDKs raise an APIError on an `error` event.
    nlohmann::json body = {{"type", "error"},
                           {"error", {{"type", "api_error"}, {"message", message}}}};
    return "event: error\ndata: " + body.dump() + "\n\n";
  }
  // OpenAI's SDKs raise an APIError on a data line that holds "error", in both APIs.
  nlohmann::json body = {
      {"error", {{"message", message}, {"type", "upstream_error"}, {"code", nullptr}}}};
  return "data: " + body.dump() + "\n\n";
}

}  // namespace checkride
