// The recording proxy's SSE assemblers (Chat Completions, Responses API, Anthropic Messages)
// on arbitrary bytes, split at an input-chosen point, and the turn each makes of them.
#include <cstdint>
#include <string_view>

#include "recorder/llm_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = std::min<std::size_t>(size > 1 ? data[0] % size : 0, bytes.size());
  for (auto api :
       {checkride::TranscriptFormat::kOpenAi, checkride::TranscriptFormat::kOpenAiResponses,
        checkride::TranscriptFormat::kAnthropic}) {
    auto stream = checkride::stream_assembler(api);
    stream->feed(bytes.substr(0, split));
    stream->feed(bytes.substr(split));
    checkride::LlmTurn turn = checkride::streamed_turn(api, *stream);
    turn.messages.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
