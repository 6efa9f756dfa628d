#pragma once
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace checkride {

// The shapes agent teams' transcripts come in (docs/recording.md, "Formats"), each read into
// OpenAI chat messages by its normalizer (chat_normalizers.h) and from there into a cassette.
enum class TranscriptFormat : uint8_t {
  kOpenAi,           // Chat Completions messages (tool_calls, function_call, Hermes tags)
  kOpenAiResponses,  // Responses API items (function_call, function_call_output)
  kAnthropic,        // Messages (tool_use and tool_result blocks)
  kGemini,           // contents (functionCall and functionResponse parts)
  kDashScope,        // Qwen's native input.messages and output.choices
  kMcp,              // JSON-RPC tools/call requests and their results
  kOtelGenAi,        // OpenTelemetry GenAI spans in OTLP JSON
  kLangSmith,        // LangSmith run exports (llm and tool runs)
  kLangfuse,         // Langfuse trace exports (GENERATION and TOOL observations)
};
constexpr std::size_t kTranscriptFormatCount = 9;

std::string_view format_name(TranscriptFormat f);       // the --from value: "anthropic"
std::string_view format_title(TranscriptFormat f);      // "Anthropic Messages"
std::string_view format_call_word(TranscriptFormat f);  // "tool_use blocks"
bool parse_format(std::string_view name, TranscriptFormat& f);
std::string format_names();  // every --from value, comma-separated

// What a document holds that looks like tool calls, counted by the shape that writes it
// that way, and its assistant turns: what an import must account for.
struct ShapeCensus {
  std::array<int64_t, kTranscriptFormatCount> calls{};
  std::array<bool, kTranscriptFormatCount> marked{};  // a structure only that shape has
  int64_t assistant_turns = 0;
};
void take_census(const nlohmann::json& doc, ShapeCensus& census);

// The shape the census says a file is in; OpenAI chat when nothing tells.
TranscriptFormat detect_format(const ShapeCensus& census);

}  // namespace checkride
