#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "recorder/transcript_format.h"

namespace checkride {

// A conversation in a vendor's shape that cannot be read: the field, from the conversation's
// root (`messages[3].content[0].tool_use_id`), and what was expected.
struct ShapeError {
  std::string field;
  std::string message;
};

// Each reads one conversation in its vendor's documented shape into OpenAI chat messages,
// the one shape TranscriptConverter reads: user and assistant text, assistant `tool_calls`
// (arguments as an object) and `tool` answers by `tool_call_id`. An answer the recording
// marks as failed (is_error, an error object, isError) carries `recorded_failure`, what said
// so. System prompts become `system` messages. Throws ShapeError on what does not fit.
nlohmann::json anthropic_to_chat(const nlohmann::json& conv);
nlohmann::json responses_to_chat(const nlohmann::json& conv);
nlohmann::json gemini_to_chat(const nlohmann::json& conv);
nlohmann::json dashscope_to_chat(const nlohmann::json& conv);
// An MCP log: JSON-RPC messages in the order they passed, one session.
nlohmann::json mcp_to_chat(const std::vector<nlohmann::json>& messages);
// OpenTelemetry GenAI spans (OTLP JSON documents): one session per conversation id, else per
// trace, with its user (user.id) where a span names one. Fields name the document by index.
struct OtelSession {
  std::string id;
  std::string user;
  nlohmann::json chat;
};
std::vector<OtelSession> otel_sessions(const std::vector<nlohmann::json>& docs);
// LangSmith run exports and Langfuse trace exports, the same way (langsmith_runs.cc,
// langfuse_traces.cc).
std::vector<OtelSession> langsmith_sessions(const std::vector<nlohmann::json>& docs);
std::vector<OtelSession> langfuse_sessions(const std::vector<nlohmann::json>& docs);

// The session's user and id as the format's own fields name them ("" when it has none):
// Anthropic's metadata.user_id, the Responses API's user (or safety_identifier) and
// conversation.
std::string format_user_id(TranscriptFormat f, const nlohmann::json& conv);
std::string format_session_id(TranscriptFormat f, const nlohmann::json& conv);

// Shared by the normalizers: the text of a content value (a string, or the text of its parts
// whose `type` is one of `types`, joined by newlines); and a tool answer's message.
std::string parts_text(const nlohmann::json& content, std::initializer_list<const char*> types);
nlohmann::json tool_answer(const std::string& call_id, const std::string& content,
                           const std::string& failure);
nlohmann::json tool_call(const std::string& id, const std::string& name,
                         const nlohmann::json& arguments);
// A key's string value, "" when it is absent or not a string; a key's value is `true`.
std::string text_of(const nlohmann::json& j, const char* key);
bool is_true(const nlohmann::json& j, const char* key);

}  // namespace checkride
