#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "recorder/chat_normalizers.h"

namespace checkride {

// One step of a traced agent run, as OpenTelemetry spans, LangSmith runs and Langfuse
// observations record them: a model call (the chat messages it was given and those it
// answered, OpenAI-shaped) or a tool call (its name, call id, arguments and result, and
// whether it failed).
struct TraceStep {
  std::string session;  // conversation or session id, else the trace's
  std::string user;
  uint64_t start = 0;  // for ordering within a session
  bool model = false;  // a model call: `input` and `output` below
  nlohmann::json input = nlohmann::json::array();
  nlohmann::json output = nlohmann::json::array();
  std::string tool;  // a tool call: name, id ("" when the trace has none), arguments, result
  std::string call_id;
  nlohmann::json arguments = nlohmann::json::object();
  nlohmann::json result;
  std::string failure;  // what said it failed ("" it did not)
};

// Steps grouped into sessions (in the order each is first seen), each step in start order,
// assembled into chat messages: a model call's input replaces what was read before it (it
// is the conversation the model saw) and its output follows; a tool call the messages lack
// is added with its answer; a tool call's failure marks its answer.
std::vector<OtelSession> sessions_of(const std::vector<TraceStep>& steps);

// A message of the loose shapes traces carry, as chat messages (appended to `out`): OpenAI
// chat messages, LangChain's ({type: human | ai | tool | system, content, tool_calls: [{id,
// name, args}], tool_call_id}, or serialized as {lc, type: constructor, id: [...,
// "AIMessage"], kwargs}), and OTel GenAI's {role, parts}.
void add_loose_message(const nlohmann::json& m, nlohmann::json& out);
// A list of loose messages, or one (an object), or a model's text answer (a string).
nlohmann::json loose_messages(const nlohmann::json& value);
// An ISO 8601 time (2025-06-01T12:00:00.123456Z) as a number that orders as the times do
// (its digits to the 10^-4 second); 0 when it holds none.
uint64_t iso_time_key(const std::string& time);
// A tool's input as recorded: an object as it is; JSON text parsed; other text {"input": it}.
nlohmann::json tool_arguments(const nlohmann::json& input);

}  // namespace checkride
