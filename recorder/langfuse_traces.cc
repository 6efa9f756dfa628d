// Langfuse trace exports: traces {id, sessionId, userId, observations: [{type, name,
// startTime, input, output, level, statusMessage}]}, one, a list, or an API page {data:
// [...]}. A GENERATION is a model call (input: its messages, or {messages}; output: its
// message or text); a TOOL observation a tool call (name, input as arguments, output as the
// answer, failed when its level is ERROR). Sessions are sessionId, else the trace; the user
// is userId. Other observations (SPAN, EVENT, AGENT, ...) are not replayed.
#include "recorder/trace_steps.h"

namespace checkride {
namespace {

void read_observation(const nlohmann::json& o, const std::string& field, const TraceStep& trace,
                      std::vector<TraceStep>& steps) {
  if (!o.is_object()) throw ShapeError{field, "expected an observation object"};
  const std::string type = text_of(o, "type");
  TraceStep step = trace;
  step.start = iso_time_key(text_of(o, "startTime"));
  if (type == "GENERATION") {
    step.model = true;
    nlohmann::json input = o.value("input", nlohmann::json());
    if (input.is_object() && input.contains("messages")) input = input["messages"];
    step.input = loose_messages(input);
    nlohmann::json output = o.value("output", nlohmann::json());
    if (output.is_object() && output.contains("choices") && output["choices"].is_array() &&
        !output["choices"].empty() && output["choices"][0].is_object()) {
      output = output["choices"][0].value("message", nlohmann::json());
    }
    step.output = loose_messages(output);
    steps.push_back(std::move(step));
  } else if (type == "TOOL") {
    step.tool = text_of(o, "name");
    if (step.tool.empty()) throw ShapeError{field + ".name", "expected the tool's name"};
    step.arguments = tool_arguments(o.value("input", nlohmann::json()));
    step.result = o.value("output", nlohmann::json());
    if (text_of(o, "level") == "ERROR") {
      const std::string why = text_of(o, "statusMessage");
      step.failure = "the observation's level is ERROR" + (why.empty() ? "" : ": " + why);
    }
    steps.push_back(std::move(step));
  }
}

void read_trace(const nlohmann::json& t, const std::string& field, std::vector<TraceStep>& steps) {
  if (!t.is_object()) throw ShapeError{field, "expected a trace object"};
  TraceStep trace;
  trace.session = text_of(t, "sessionId");
  if (trace.session.empty()) trace.session = text_of(t, "id");
  trace.user = text_of(t, "userId");
  const nlohmann::json obs = t.value("observations", nlohmann::json());
  if (!obs.is_array()) throw ShapeError{field + ".observations", "expected a list"};
  for (std::size_t i = 0; i < obs.size(); ++i) {
    read_observation(obs[i], field + ".observations[" + std::to_string(i) + "]", trace, steps);
  }
}

}  // namespace

std::vector<OtelSession> langfuse_sessions(const std::vector<nlohmann::json>& docs) {
  std::vector<TraceStep> steps;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const std::string at = "[" + std::to_string(d) + "]";
    nlohmann::json traces = docs[d];
    if (traces.is_object() && traces.contains("data")) traces = traces["data"];
    if (!traces.is_array()) {
      read_trace(traces, at, steps);
      continue;
    }
    for (std::size_t i = 0; i < traces.size(); ++i) {
      read_trace(traces[i], at + "[" + std::to_string(i) + "]", steps);
    }
  }
  return sessions_of(steps);
}

}  // namespace checkride
