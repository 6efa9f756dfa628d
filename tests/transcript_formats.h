// One conversation written in each vendor's documented transcript shape, for the tests that
// import every format: user and assistant text, tool calls (several in one turn: parallel)
// and their answers, ok (a JSON object) or failed (the vendor's own failure mark, and an
// "Error: ..." text where the shape has none).
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace checkride::testing {

struct ToolCall {
  std::string name;
  nlohmann::json args;
  nlohmann::json result;  // ok: an object; failed: the error's words
  bool failed = false;
  std::string error_text() const { return "Error: " + result.get<std::string>(); }
};

struct Turn {
  std::string role;  // user, assistant, or calls (the assistant's calls, then their answers)
  std::string text;
  std::vector<ToolCall> calls = {};
};

struct Dialogue {
  std::string id;
  std::string user;
  std::vector<Turn> turns;
};

inline std::string answer_text(const ToolCall& c) {
  return c.failed ? c.error_text() : c.result.dump();
}

inline nlohmann::json as_openai(const Dialogue& d) {
  nlohmann::json m = nlohmann::json::array();
  int n = 0;
  for (const Turn& t : d.turns) {
    if (t.role != "calls") {
      m.push_back({{"role", t.role}, {"content", t.text}});
      continue;
    }
    nlohmann::json calls = nlohmann::json::array();
    for (const ToolCall& c : t.calls) {
      calls.push_back({{"id", "call_" + std::to_string(n + calls.size() + 1)},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.args.dump()}}}});
    }
    m.push_back({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", calls}});
    for (const ToolCall& c : t.calls) {
      m.push_back({{"role", "tool"},
                   {"tool_call_id", "call_" + std::to_string(++n)},
                   {"content", answer_text(c)}});
    }
  }
  return {{"id", d.id}, {"user_id", d.user}, {"messages", m}};
}

inline nlohmann::json as_anthropic(const Dialogue& d) {
  nlohmann::json m = nlohmann::json::array();
  int n = 0;
  for (const Turn& t : d.turns) {
    if (t.role == "user") {
      m.push_back({{"role", "user"}, {"content", t.text}});
    } else if (t.role == "assistant") {
      m.push_back({{"role", "assistant"}, {"content", {{{"type", "text"}, {"text", t.text}}}}});
    } else {
      nlohmann::json uses = nlohmann::json::array(), results = nlohmann::json::array();
      for (const ToolCall& c : t.calls) {
        const std::string id = "toolu_0" + std::to_string(++n);
        uses.push_back({{"type", "tool_use"}, {"id", id}, {"name", c.name}, {"input", c.args}});
        nlohmann::json r = {{"type", "tool_result"}, {"tool_use_id", id}};
        r["content"] = nlohmann::json::array({{{"type", "text"}, {"text", answer_text(c)}}});
        if (c.failed) r["is_error"] = true;
        results.push_back(r);
      }
      m.push_back({{"role", "assistant"}, {"content", uses}});
      m.push_back({{"role", "user"}, {"content", results}});
    }
  }
  return {{"id", d.id},
          {"model", "claude-sonnet-4-5"},
          {"metadata", {{"user_id", d.user}}},
          {"system", "You are the shop's assistant."},
          {"messages", m}};
}

inline nlohmann::json as_responses(const Dialogue& d) {
  nlohmann::json items = nlohmann::json::array();
  int n = 0;
  for (const Turn& t : d.turns) {
    if (t.role == "user") {
      items.push_back(
          {{"role", "user"}, {"content", {{{"type", "input_text"}, {"text", t.text}}}}});
    } else if (t.role == "assistant") {
      items.push_back({{"type", "message"},
                       {"role", "assistant"},
                       {"content", {{{"type", "output_text"}, {"text", t.text}}}}});
    } else {
      int answered = n;
      for (const ToolCall& c : t.calls) {
        items.push_back({{"type", "function_call"},
                         {"id", "fc_" + std::to_string(++n)},
                         {"call_id", "call_" + std::to_string(n)},
                         {"name", c.name},
                         {"arguments", c.args.dump()}});
      }
      for (const ToolCall& c : t.calls) {
        items.push_back({{"type", "function_call_output"},
                         {"call_id", "call_" + std::to_string(++answered)},
                         {"output", answer_text(c)}});
      }
    }
  }
  return {{"conversation", {{"id", d.id}}}, {"user", d.user}, {"input", items}};
}

inline nlohmann::json as_gemini(const Dialogue& d) {
  nlohmann::json contents = nlohmann::json::array();
  for (const Turn& t : d.turns) {
    if (t.role != "calls") {
      contents.push_back(
          {{"role", t.role == "user" ? "user" : "model"}, {"parts", {{{"text", t.text}}}}});
      continue;
    }
    nlohmann::json calls = nlohmann::json::array(), answers = nlohmann::json::array();
    for (const ToolCall& c : t.calls) {
      calls.push_back({{"functionCall", {{"name", c.name}, {"args", c.args}}}});
      const nlohmann::json response =
          c.failed ? nlohmann::json{{"error", c.error_text()}} : c.result;
      nlohmann::json answer = nlohmann::json::object();
      answer["functionResponse"] = {{"name", c.name}, {"response", response}};
      answers.push_back(answer);
    }
    contents.push_back({{"role", "model"}, {"parts", calls}});
    contents.push_back({{"role", "user"}, {"parts", answers}});
  }
  return {{"id", d.id}, {"user_id", d.user}, {"contents", contents}};
}

// DashScope: the last request's input.messages, and its answer in output.choices.
inline nlohmann::json as_dashscope(const Dialogue& d) {
  nlohmann::json messages = as_openai(d)["messages"];
  nlohmann::json last = messages.back();
  messages.erase(messages.size() - 1);
  return {{"id", d.id},
          {"user_id", d.user},
          {"model", "qwen-plus"},
          {"input", {{"messages", messages}}},
          {"output", {{"choices", {{{"finish_reason", "stop"}, {"message", last}}}}}}};
}

// MCP: the client's JSON-RPC lines (JSONL) for one session; user and assistant words are not
// on the wire.
inline std::string as_mcp(const Dialogue& d) {
  std::string out =
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"}, {"params", {}}}
          .dump() +
      "\n" +
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", 0}, {"result", {{"protocolVersion", "2025-06-18"}}}}
          .dump() +
      "\n";
  int n = 0;
  for (const Turn& t : d.turns) {
    const int first = n;
    for (const ToolCall& c : t.calls) {  // a turn's calls go out together (parallel)
      out += nlohmann::json{{"jsonrpc", "2.0"},
                            {"id", ++n},
                            {"method", "tools/call"},
                            {"params", {{"name", c.name}, {"arguments", c.args}}}}
                 .dump() +
             "\n";
    }
    int id = first;
    for (const ToolCall& c : t.calls) {
      nlohmann::json result = {{"content", {{{"type", "text"}, {"text", answer_text(c)}}}},
                               {"isError", c.failed}};
      if (!c.failed) result["structuredContent"] = c.result;
      out += nlohmann::json{{"jsonrpc", "2.0"}, {"id", ++id}, {"result", result}}.dump() + "\n";
    }
  }
  return out;
}

// OpenTelemetry GenAI spans (OTLP JSON) for every dialogue: a chat span per model turn
// (the conversation so far in, the turn out) and an execute_tool span per call, ERROR when it
// failed; each dialogue one trace under its conversation id.
inline nlohmann::json otel_attr(const std::string& key, const nlohmann::json& value) {
  return {
      {"key", key},
      {"value", {{"stringValue", value.is_string() ? value.get<std::string>() : value.dump()}}}};
}

inline nlohmann::json as_otel(const std::vector<Dialogue>& dialogues) {
  nlohmann::json spans = nlohmann::json::array();
  uint64_t clock = 1765000000000000000ull;
  int n = 0;
  for (const Dialogue& d : dialogues) {
    nlohmann::json history = nlohmann::json::array();
    auto span = [&](nlohmann::json attrs, bool failed) {
      attrs.push_back(otel_attr("gen_ai.conversation.id", d.id));
      attrs.push_back(otel_attr("user.id", d.user));
      nlohmann::json s = {{"traceId", "trace-" + d.id},
                          {"spanId", "span-" + std::to_string(++n)},
                          {"name", "span"},
                          {"startTimeUnixNano", std::to_string(clock += 1000000)},
                          {"attributes", attrs}};
      if (failed) s["status"] = {{"code", 2}, {"message", "tool failed"}};
      spans.push_back(s);
    };
    auto chat = [&](const nlohmann::json& out) {
      span({otel_attr("gen_ai.operation.name", "chat"), otel_attr("gen_ai.input.messages", history),
            otel_attr("gen_ai.output.messages", nlohmann::json::array({out}))},
           false);
      history.push_back(out);
    };
    int k = 0;
    for (const Turn& t : d.turns) {
      const nlohmann::json text = {{{"type", "text"}, {"content", t.text}}};
      if (t.role == "user") {
        history.push_back({{"role", "user"}, {"parts", text}});
      } else if (t.role == "assistant") {
        chat({{"role", "assistant"}, {"parts", text}});
      } else {
        nlohmann::json parts = nlohmann::json::array(), answers = nlohmann::json::array();
        const int first = k;
        for (const ToolCall& c : t.calls) {
          parts.push_back({{"type", "tool_call"},
                           {"id", d.id + "-" + std::to_string(++k)},
                           {"name", c.name},
                           {"arguments", c.args}});
        }
        chat({{"role", "assistant"}, {"parts", parts}});
        k = first;
        for (const ToolCall& c : t.calls) {
          const std::string id = d.id + "-" + std::to_string(++k);
          span({otel_attr("gen_ai.operation.name", "execute_tool"),
                otel_attr("gen_ai.tool.name", c.name), otel_attr("gen_ai.tool.call.id", id),
                otel_attr("gen_ai.tool.call.arguments", c.args),
                otel_attr("gen_ai.tool.call.result", answer_text(c))},
               c.failed);
          answers.push_back(
              {{"type", "tool_call_response"}, {"id", id}, {"response", answer_text(c)}});
        }
        history.push_back({{"role", "tool"}, {"parts", answers}});
      }
    }
  }
  return {{"resourceSpans",
           {{{"resource", {{"attributes", nlohmann::json::array()}}},
             {"scopeSpans", {{{"scope", {{"name", "agent"}}}, {"spans", spans}}}}}}}};
}

// A tracer's clock for the exports below: ISO times a second apart.
inline std::string iso_at(int second) {
  char t[32];
  std::snprintf(t, sizeof t, "2026-12-07T10:%02d:%02d.000000Z", second / 60 % 60, second % 60);
  return t;
}

// LangSmith: per dialogue a root chain run (its thread and user in metadata) with an llm run
// per model turn (LangChain messages, the answer serialized) and a tool run per call.
inline nlohmann::json as_langsmith(const std::vector<Dialogue>& dialogues) {
  nlohmann::json roots = nlohmann::json::array();
  int clock = 0;
  for (const Dialogue& d : dialogues) {
    nlohmann::json history = nlohmann::json::array(), children = nlohmann::json::array();
    auto llm = [&](const nlohmann::json& kwargs) {
      nlohmann::json message = {{"lc", 1},
                                {"type", "constructor"},
                                {"id", {"langchain", "schema", "messages", "AIMessage"}},
                                {"kwargs", kwargs}};
      children.push_back({{"run_type", "llm"},
                          {"name", "ChatModel"},
                          {"start_time", iso_at(++clock)},
                          {"inputs", {{"messages", {history}}}},
                          {"outputs", {{"generations", {{{{"message", message}}}}}}}});
      nlohmann::json ai = kwargs;
      ai["type"] = "ai";
      history.push_back(ai);
    };
    int k = 0;
    for (const Turn& t : d.turns) {
      if (t.role == "user") {
        history.push_back({{"type", "human"}, {"content", t.text}});
      } else if (t.role == "assistant") {
        llm({{"content", t.text}});
      } else {
        nlohmann::json calls = nlohmann::json::array();
        for (const ToolCall& c : t.calls) {
          calls.push_back(
              {{"id", d.id + "-" + std::to_string(++k)}, {"name", c.name}, {"args", c.args}});
        }
        llm({{"content", ""}, {"tool_calls", calls}});
        for (std::size_t i = 0; i < t.calls.size(); ++i) {
          const ToolCall& c = t.calls[i];
          children.push_back({{"run_type", "tool"},
                              {"name", c.name},
                              {"start_time", iso_at(++clock)},
                              {"inputs", {{"input", c.args.dump()}}},
                              {"outputs", {{"output", answer_text(c)}}},
                              {"error", c.failed ? nlohmann::json(c.error_text()) : nullptr}});
          history.push_back(
              {{"type", "tool"}, {"content", answer_text(c)}, {"tool_call_id", calls[i]["id"]}});
        }
      }
    }
    roots.push_back({{"id", d.id + "-root"},
                     {"trace_id", "trace-" + d.id},
                     {"run_type", "chain"},
                     {"name", "agent"},
                     {"start_time", iso_at(++clock)},
                     {"extra", {{"metadata", {{"thread_id", d.id}, {"user_id", d.user}}}}},
                     {"child_runs", children}});
  }
  return roots;
}

// Langfuse: per dialogue a trace (sessionId, userId) with a GENERATION per model turn
// (OpenAI messages in, the answer out) and a TOOL observation per call, ERROR when it failed.
inline nlohmann::json as_langfuse(const std::vector<Dialogue>& dialogues) {
  nlohmann::json traces = nlohmann::json::array();
  int clock = 0;
  for (const Dialogue& d : dialogues) {
    nlohmann::json history = nlohmann::json::array(), observations = nlohmann::json::array();
    auto generation = [&](const nlohmann::json& out) {
      observations.push_back({{"type", "GENERATION"},
                              {"name", "chat"},
                              {"startTime", iso_at(++clock)},
                              {"input", history},
                              {"output", out}});
      history.push_back(out);
    };
    const nlohmann::json openai = as_openai(d)["messages"];
    for (const auto& m : openai) {
      if (m["role"] == "user") history.push_back(m);
      if (m["role"] == "assistant") generation(m);
      if (m["role"] == "tool") history.push_back(m);
    }
    // The calls as TOOL observations, each after the generation that asked for it.
    int k = 0;
    nlohmann::json with_tools = nlohmann::json::array();
    for (const auto& o : observations) {
      with_tools.push_back(o);
      for (const auto& call : o["output"].value("tool_calls", nlohmann::json::array())) {
        const ToolCall* c = nullptr;
        int seen = 0;
        for (const Turn& t : d.turns) {
          for (const ToolCall& tc : t.calls) {
            if (++seen == k + 1) c = &tc;
          }
        }
        ++k;
        nlohmann::json tool = {{"type", "TOOL"},
                               {"name", call["function"]["name"]},
                               {"startTime", o["startTime"]},
                               {"input", c->args},
                               {"output", answer_text(*c)},
                               {"level", c->failed ? "ERROR" : "DEFAULT"}};
        if (c->failed) tool["statusMessage"] = c->error_text();
        with_tools.push_back(tool);
      }
    }
    traces.push_back({{"id", "trace-" + d.id},
                      {"sessionId", d.id},
                      {"userId", d.user},
                      {"observations", with_tools}});
  }
  return {{"data", traces}, {"meta", {{"page", 1}, {"totalItems", traces.size()}}}};
}

}  // namespace checkride::testing
