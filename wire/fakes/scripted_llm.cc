// The scripted LLM as OpenAI's /v1/chat/completions: each assistant turn is the next recorded
// turn of a cassette session, as tool calls (streamed too). Actions recorded together (no
// think time between them, none using another's result) are one turn of parallel tool
// calls, unless the request sets parallel_tool_calls: false. `n` repeats the choice; a
// stream with stream_options.include_usage ends with a usage chunk. The session is chosen
// by the X-Checkride-Session header or the request's `user` field, else the cassette's
// first.
#include <httplib.h>

#include "protocol/json_input.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/fake_state.h"

namespace checkride {
namespace {

struct Turn {
  std::string call_id;
  std::string name;
  std::string arguments;  // JSON text, as a model sends it
};

const SessionTemplate* pick(const Cassette& script, const std::string& wanted) {
  for (const auto& s : script.sessions)
    if (s.id == wanted) return &s;
  return script.sessions.empty() ? nullptr : &script.sessions.front();
}

using Calls = std::vector<Turn>;

// The session's assistant turns: each the tool calls made at once.
std::vector<Calls> turns_of(const SessionTemplate& s, bool parallel) {
  std::vector<Calls> out;
  std::size_t calls = 0, turn_start = 0;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const CassetteStep& step = s.steps[i];
    if (step.kind != CassetteStep::Kind::kAction) continue;
    bool uses_this_turn = false;
    for (const auto& [pointer, from] : step.substitutions)
      uses_this_turn = uses_this_turn || static_cast<std::size_t>(from) >= turn_start;
    if (out.empty() || !parallel || step.think > 0 || uses_this_turn) {
      out.emplace_back();
      turn_start = i;
    }
    ++calls;
    out.back().push_back(Turn{step.call_id.empty() ? "call_" + std::to_string(calls) : step.call_id,
                              step.action, step.params ? step.params->dump() : "{}"});
  }
  return out;
}

// A rough, deterministic token count (about four characters a token), for `usage`.
int64_t tokens_in(const std::string& text) { return static_cast<int64_t>(text.size() + 3) / 4; }

void openai_error(httplib::Response& res, int status, const std::string& message,
                  const std::string& param) {
  res.status = status;
  nlohmann::json e = {{"error",
                       {{"message", message},
                        {"type", "invalid_request_error"},
                        {"param", param},
                        {"code", nullptr}}}};
  res.set_content(e.dump(), "application/json");
}

// One assistant answer, as every choice of it says it.
struct Completion {
  std::string id;
  std::string model;
  Time now = 0;
  bool done = false;  // the session has no turn left: the model says so in words
  Calls calls;        // else: the turn's tool calls
  nlohmann::json message;
  std::string finish;
  int64_t choices = 1;
  nlohmann::json usage;
};

// The request's `n`: how many choices; false (and a 400) when it is out of range.
bool read_choices(const nlohmann::json& body, int64_t& choices, httplib::Response& res) {
  if (!body.contains("n")) return true;
  if (!body["n"].is_number_integer() || body["n"].get<int64_t>() < 1 ||
      body["n"].get<int64_t>() > 128) {
    openai_error(res, 400, "n: expected an integer from 1 to 128", "n");
    return false;
  }
  choices = body["n"].get<int64_t>();
  return true;
}

// The next turn of `session`: the conversation so far tells which, one per assistant message.
Completion next_turn(const nlohmann::json& body, const SessionTemplate& session) {
  std::size_t turn = 0;
  for (const auto& m : body["messages"]) {
    if (m.is_object() && string_field(m, "role", "") == "assistant") ++turn;
  }
  const bool parallel = !body.contains("parallel_tool_calls") ||
                        !body["parallel_tool_calls"].is_boolean() ||
                        body["parallel_tool_calls"].get<bool>();
  std::vector<Calls> turns = turns_of(session, parallel);
  Completion c;
  c.model = string_field(body, "model", "checkride-scripted");
  c.done = turn >= turns.size();
  if (!c.done) c.calls = std::move(turns[turn]);
  c.message = {{"role", "assistant"}};
  if (c.done) {
    c.message["content"] = "Done.";
  } else {
    c.message["content"] = nullptr;
    c.message["tool_calls"] = nlohmann::json::array();
    for (const Turn& t : c.calls) {
      c.message["tool_calls"].push_back(
          {{"id", t.call_id},
           {"type", "function"},
           {"function", {{"name", t.name}, {"arguments", t.arguments}}}});
    }
  }
  c.finish = c.done ? "stop" : "tool_calls";
  return c;
}

std::string whole_completion(const Completion& c) {
  nlohmann::json all = nlohmann::json::array();
  for (int64_t i = 0; i < c.choices; ++i) {
    all.push_back(
        {{"index", i}, {"message", c.message}, {"finish_reason", c.finish}, {"logprobs", nullptr}});
  }
  nlohmann::json out = {{"id", c.id},
                        {"object", "chat.completion"},
                        {"created", c.now / 1000},
                        {"model", c.model},
                        {"choices", all},
                        {"usage", c.usage}};
  return out.dump();
}

std::string sse_chunk(const Completion& c, int64_t index, const nlohmann::json& delta,
                      const nlohmann::json& reason) {
  nlohmann::json chunk = {
      {"id", c.id},
      {"object", "chat.completion.chunk"},
      {"created", c.now / 1000},
      {"model", c.model},
      {"choices", {{{"index", index}, {"delta", delta}, {"finish_reason", reason}}}}};
  return "data: " + chunk.dump() + "\n\n";
}

// Streaming, per choice: the role, then the content or each tool call split in two deltas
// (name, then arguments), then the finish reason; a usage chunk when asked; then [DONE], as
// OpenAI streams them.
std::string streamed_completion(const Completion& c, bool include_usage) {
  std::string sse;
  for (int64_t i = 0; i < c.choices; ++i) {
    sse += sse_chunk(
        c, i, {{"role", "assistant"}, {"content", c.done ? nlohmann::json("") : nlohmann::json()}},
        nullptr);
    if (c.done) sse += sse_chunk(c, i, {{"content", "Done."}}, nullptr);
    for (std::size_t k = 0; k < c.calls.size(); ++k) {
      const Turn& t = c.calls[k];
      sse += sse_chunk(c, i,
                       {{"tool_calls",
                         {{{"index", k},
                           {"id", t.call_id},
                           {"type", "function"},
                           {"function", {{"name", t.name}, {"arguments", ""}}}}}}},
                       nullptr);
      sse += sse_chunk(
          c, i, {{"tool_calls", {{{"index", k}, {"function", {{"arguments", t.arguments}}}}}}},
          nullptr);
    }
    sse += sse_chunk(c, i, nlohmann::json::object(), c.finish);
  }
  if (include_usage) {
    nlohmann::json last = {
        {"id", c.id},       {"object", "chat.completion.chunk"},  {"created", c.now / 1000},
        {"model", c.model}, {"choices", nlohmann::json::array()}, {"usage", c.usage}};
    sse += "data: " + last.dump() + "\n\n";
  }
  return sse + "data: [DONE]\n\n";
}

void complete_chat(FakeState& state, const Cassette& script, const httplib::Request& req,
                   httplib::Response& res) {
  nlohmann::json body = parse_json_or_discarded(req.body);
  if (body.is_discarded() || !body.is_object()) {
    return openai_error(res, 400, "expected a JSON object body", "body");
  }
  if (!body.contains("messages") || !body["messages"].is_array()) {
    return openai_error(res, 400, "messages: expected an array", "messages");
  }
  std::string wanted = req.get_header_value("X-Checkride-Session");
  if (wanted.empty() && body.contains("user") && body["user"].is_string()) wanted = body["user"];
  const SessionTemplate* session = pick(script, wanted);
  if (session == nullptr) {
    return openai_error(res, 400, "the fakes have no cassette to play", "model");
  }
  Completion c = next_turn(body, *session);
  if (!read_choices(body, c.choices, res)) return;
  uint64_t n;
  {
    std::lock_guard<HeldMutex> lock(state.mu);
    n = state.next_completion++;
    c.now = state.now();
  }
  c.id = "chatcmpl-" + std::to_string(n);
  const int64_t prompt = tokens_in(body["messages"].dump());
  const int64_t completion = tokens_in(c.message.dump()) * c.choices;
  c.usage = {{"prompt_tokens", prompt},
             {"completion_tokens", completion},
             {"total_tokens", prompt + completion}};
  if (!bool_field(body, "stream", false)) {
    res.set_content(whole_completion(c), "application/json");
    return;
  }
  const bool include_usage = body.contains("stream_options") &&
                             body["stream_options"].is_object() &&
                             bool_field(body["stream_options"], "include_usage", false);
  res.set_header("Cache-Control", "no-cache");
  res.set_content(streamed_completion(c, include_usage), "text/event-stream");
}

}  // namespace

void mount_scripted_llm(httplib::Server& server, FakeState& state, const Cassette& script) {
  server.Get("/v1/models", [](const httplib::Request&, httplib::Response& res) {
    nlohmann::json list = {{"object", "list"},
                           {"data",
                            {{{"id", "checkride-scripted"},
                              {"object", "model"},
                              {"created", 0},
                              {"owned_by", "checkride"}}}}};
    res.set_content(list.dump(), "application/json");
  });
  server.Post("/v1/chat/completions",
              [&state, &script](const httplib::Request& req, httplib::Response& res) {
                complete_chat(state, script, req, res);
              });
}

}  // namespace checkride
