// LangSmith run exports: runs {id, trace_id, run_type, name, start_time, inputs, outputs,
// error, extra: {metadata}, child_runs}, nested under their parent or listed flat. An `llm`
// run is a model call (inputs.messages, a list or a list of lists, and outputs.generations
// [0][0].message, or outputs.messages / outputs.output); a `tool` run a tool call (its name,
// inputs as arguments, outputs.output as the answer, failed when `error` is set). Sessions
// are the thread LangSmith groups by (metadata session_id, thread_id or conversation_id),
// else the trace; the user is metadata.user_id.
#include "recorder/trace_steps.h"

namespace checkride {
namespace {

std::string metadata_of(const nlohmann::json& run, const char* key) {
  const nlohmann::json extra = run.value("extra", nlohmann::json::object());
  return text_of(extra.is_object() ? extra.value("metadata", nlohmann::json()) : nullptr, key);
}

nlohmann::json model_input(const nlohmann::json& inputs) {
  nlohmann::json messages =
      inputs.is_object() ? inputs.value("messages", nlohmann::json()) : inputs;
  if (messages.is_array() && !messages.empty() && messages[0].is_array()) messages = messages[0];
  return loose_messages(messages);
}

nlohmann::json model_output(const nlohmann::json& outputs) {
  if (!outputs.is_object()) return loose_messages(outputs);
  const nlohmann::json gens = outputs.value("generations", nlohmann::json());
  if (gens.is_array() && !gens.empty()) {
    nlohmann::json first = gens[0].is_array() && !gens[0].empty() ? gens[0][0] : gens[0];
    if (first.is_object() && first.contains("message")) return loose_messages(first["message"]);
    if (first.is_object()) return loose_messages(first.value("text", nlohmann::json("")));
  }
  for (const char* key : {"messages", "output", "message"}) {
    if (outputs.contains(key)) return loose_messages(outputs[key]);
  }
  return loose_messages(outputs);
}

// A run and its children; a child belongs to its parent's session and user.
void read_run(const nlohmann::json& run, const std::string& field, const std::string& session,
              const std::string& user, std::vector<TraceStep>& steps) {
  if (!run.is_object()) throw ShapeError{field, "expected a run object"};
  const std::string type = text_of(run, "run_type");
  if (type.empty()) throw ShapeError{field + ".run_type", "expected llm, tool, chain, ..."};
  std::string own = session;
  for (const char* key : {"session_id", "thread_id", "conversation_id"}) {
    if (own.empty()) own = metadata_of(run, key);
  }
  if (own.empty()) own = text_of(run, "trace_id");
  if (own.empty()) own = text_of(run, "id");
  TraceStep step;
  step.session = own;
  step.user = metadata_of(run, "user_id");
  if (step.user.empty()) step.user = user;
  const std::string own_user = step.user;  // the children's, once the step has moved
  step.start = iso_time_key(text_of(run, "start_time"));
  const nlohmann::json error = run.value("error", nlohmann::json());
  if (type == "llm") {
    step.model = true;
    step.input = model_input(run.value("inputs", nlohmann::json()));
    step.output = model_output(run.value("outputs", nlohmann::json()));
    steps.push_back(std::move(step));
  } else if (type == "tool") {
    step.tool = text_of(run, "name");
    if (step.tool.empty()) throw ShapeError{field + ".name", "expected the tool's name"};
    const nlohmann::json inputs = run.value("inputs", nlohmann::json());
    step.arguments = tool_arguments(
        inputs.is_object() && inputs.size() == 1 && inputs.contains("input") ? inputs["input"]
                                                                             : inputs);
    const nlohmann::json outputs = run.value("outputs", nlohmann::json());
    step.result = outputs.is_object() && outputs.contains("output") ? outputs["output"] : outputs;
    if (!error.is_null() && error != "") {
      step.failure =
          "the run's error: " + (error.is_string() ? error.get<std::string>() : error.dump());
    }
    steps.push_back(std::move(step));
  }
  const nlohmann::json children = run.value("child_runs", nlohmann::json::array());
  if (!children.is_array()) throw ShapeError{field + ".child_runs", "expected a list"};
  for (std::size_t i = 0; i < children.size(); ++i) {
    read_run(children[i], field + ".child_runs[" + std::to_string(i) + "]", own, own_user, steps);
  }
}

}  // namespace

std::vector<OtelSession> langsmith_sessions(const std::vector<nlohmann::json>& docs) {
  std::vector<TraceStep> steps;
  for (std::size_t d = 0; d < docs.size(); ++d) {
    const nlohmann::json& doc = docs[d];
    const std::string at = "[" + std::to_string(d) + "]";
    if (doc.is_array()) {
      for (std::size_t i = 0; i < doc.size(); ++i) {
        read_run(doc[i], at + "[" + std::to_string(i) + "]", "", "", steps);
      }
    } else {
      read_run(doc, at, "", "", steps);
    }
  }
  return sessions_of(steps);
}

}  // namespace checkride
