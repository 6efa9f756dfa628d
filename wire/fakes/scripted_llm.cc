// The scripted LLM as OpenAI's /v1/chat/completions: each assistant turn is the next recorded
// action of a cassette session, as a tool call (streamed too). The session is chosen by the
// X-Checkride-Session header or the request's `user` field, else the cassette's first.
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

std::vector<Turn> turns_of(const SessionTemplate& s) {
  std::vector<Turn> out;
  for (const auto& step : s.steps) {
    if (step.kind != CassetteStep::Kind::kAction) continue;
    out.push_back(
        Turn{step.call_id.empty() ? "call_" + std::to_string(out.size() + 1) : step.call_id,
             step.action, step.params ? step.params->dump() : "{}"});
  }
  return out;
}

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

  server.Post("/v1/chat/completions", [&state, &script](const httplib::Request& req,
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
    if (session == nullptr)
      return openai_error(res, 400, "the fakes have no cassette to play", "model");
    // The conversation so far tells which turn comes next: one per assistant message.
    std::size_t turn = 0;
    for (const auto& m : body["messages"]) {
      if (m.is_object() && string_field(m, "role", "") == "assistant") ++turn;
    }
    std::vector<Turn> turns = turns_of(*session);
    uint64_t n;
    Time now;
    {
      std::lock_guard<std::mutex> lock(state.mu);
      n = state.next_completion++;
      now = state.now();
    }
    std::string id = "chatcmpl-" + std::to_string(n);
    std::string model = string_field(body, "model", "checkride-scripted");
    bool done = turn >= turns.size();
    nlohmann::json message = {{"role", "assistant"}};
    if (done) {
      message["content"] = "Done.";
    } else {
      const Turn& t = turns[turn];
      message["content"] = nullptr;
      message["tool_calls"] = {{{"id", t.call_id},
                                {"type", "function"},
                                {"function", {{"name", t.name}, {"arguments", t.arguments}}}}};
    }
    std::string finish = done ? "stop" : "tool_calls";
    if (!bool_field(body, "stream", false)) {
      nlohmann::json out = {
          {"id", id},
          {"object", "chat.completion"},
          {"created", now / 1000},
          {"model", model},
          {"choices",
           {{{"index", 0},
             {"message", message},
             {"finish_reason", finish},
             {"logprobs", nullptr}}}},
          {"usage", {{"prompt_tokens", 0}, {"completion_tokens", 0}, {"total_tokens", 0}}}};
      res.set_content(out.dump(), "application/json");
      return;
    }
    // Streaming: the role, then the content or the tool call split in two deltas (name,
    // then arguments), then the finish reason, then [DONE], as OpenAI streams them.
    auto chunk = [&](const nlohmann::json& delta, const nlohmann::json& reason) {
      nlohmann::json c = {
          {"id", id},
          {"object", "chat.completion.chunk"},
          {"created", now / 1000},
          {"model", model},
          {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", reason}}}}};
      return "data: " + c.dump() + "\n\n";
    };
    std::string sse =
        chunk({{"role", "assistant"}, {"content", done ? nlohmann::json("") : nlohmann::json()}},
              nullptr);
    if (done) {
      sse += chunk({{"content", "Done."}}, nullptr);
    } else {
      const Turn& t = turns[turn];
      sse += chunk({{"tool_calls",
                     {{{"index", 0},
                       {"id", t.call_id},
                       {"type", "function"},
                       {"function", {{"name", t.name}, {"arguments", ""}}}}}}},
                   nullptr);
      sse += chunk({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", t.arguments}}}}}}},
                   nullptr);
    }
    sse += chunk(nlohmann::json::object(), finish);
    sse += "data: [DONE]\n\n";
    res.set_header("Cache-Control", "no-cache");
    res.set_content(sse, "text/event-stream");
  });
}

}  // namespace checkride
