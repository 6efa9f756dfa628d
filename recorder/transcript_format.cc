#include "recorder/transcript_format.h"

namespace checkride {
namespace {

struct FormatNames {
  TranscriptFormat format;
  std::string_view name, title, calls;
};

constexpr FormatNames kNames[] = {
    {TranscriptFormat::kOpenAi, "openai", "OpenAI Chat Completions", "tool_calls"},
    {TranscriptFormat::kOpenAiResponses, "openai-responses", "OpenAI Responses",
     "function_call items"},
    {TranscriptFormat::kAnthropic, "anthropic", "Anthropic Messages", "tool_use blocks"},
    {TranscriptFormat::kGemini, "gemini", "Gemini contents", "functionCall parts"},
    {TranscriptFormat::kDashScope, "dashscope", "DashScope", "tool_calls"},
    {TranscriptFormat::kMcp, "mcp", "MCP JSON-RPC", "tools/call requests"},
    {TranscriptFormat::kOtelGenAi, "otel-genai", "OpenTelemetry GenAI spans", "execute_tool spans"},
    {TranscriptFormat::kLangSmith, "langsmith", "LangSmith runs", "tool runs"},
    {TranscriptFormat::kLangfuse, "langfuse", "Langfuse traces", "TOOL observations"},
};

const FormatNames& names_of(TranscriptFormat f) {
  for (const FormatNames& n : kNames) {
    if (n.format == f) return n;
  }
  return kNames[0];
}

std::size_t at(TranscriptFormat f) { return static_cast<std::size_t>(f); }

int64_t occurrences(const std::string& text, std::string_view what) {
  int64_t n = 0;
  for (std::size_t i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

bool is(const nlohmann::json& j, const char* key, std::string_view value) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == value;
}

// One object's contribution; the walk below visits every object once.
void count_object(const nlohmann::json& j, ShapeCensus& c) {
  using F = TranscriptFormat;
  auto calls = j.find("tool_calls");
  if (calls != j.end() && calls->is_array()) c.calls[at(F::kOpenAi)] += calls->size();
  auto legacy = j.find("function_call");
  if (legacy != j.end() && legacy->is_object()) ++c.calls[at(F::kOpenAi)];
  if (is(j, "type", "tool_use")) ++c.calls[at(F::kAnthropic)];
  if (is(j, "type", "tool_result")) c.marked[at(F::kAnthropic)] = true;
  if (is(j, "type", "function_call") || is(j, "type", "custom_tool_call")) {
    ++c.calls[at(F::kOpenAiResponses)];
  }
  if (is(j, "type", "function_call_output") || is(j, "type", "output_text") ||
      is(j, "type", "input_text")) {
    c.marked[at(F::kOpenAiResponses)] = true;
  }
  if (j.contains("functionCall")) ++c.calls[at(F::kGemini)];
  if (j.contains("parts") && (is(j, "role", "model") || is(j, "role", "user"))) {
    c.marked[at(F::kGemini)] = true;
  }
  if (j.contains("jsonrpc")) c.marked[at(F::kMcp)] = true;
  if (j.contains("jsonrpc") && is(j, "method", "tools/call")) ++c.calls[at(F::kMcp)];
  auto output = j.find("output");
  if (output != j.end() && output->is_object() && output->contains("choices")) {
    c.marked[at(F::kDashScope)] = true;
  }
  if (is(j, "role", "assistant") || is(j, "role", "model")) ++c.assistant_turns;
  if (j.contains("resourceSpans")) c.marked[at(F::kOtelGenAi)] = true;
  if (is(j, "key", "gen_ai.tool.name")) ++c.calls[at(F::kOtelGenAi)];
  if (j.contains("run_type")) c.marked[at(F::kLangSmith)] = true;
  if (is(j, "run_type", "tool")) ++c.calls[at(F::kLangSmith)];
  if (j.contains("observations")) c.marked[at(F::kLangfuse)] = true;
  if (is(j, "type", "TOOL")) ++c.calls[at(F::kLangfuse)];
}

void walk(const nlohmann::json& j, ShapeCensus& c, int depth) {
  if (depth > 64) return;  // the parser bounds nesting; this keeps the walk's stack small too
  if (j.is_string()) {
    c.calls[at(TranscriptFormat::kOpenAi)] +=
        occurrences(j.get_ref<const std::string&>(), "<tool_call>");
  } else if (j.is_object()) {
    count_object(j, c);
    for (const auto& [key, value] : j.items()) walk(value, c, depth + 1);
  } else if (j.is_array()) {
    for (const auto& value : j) walk(value, c, depth + 1);
  }
}

}  // namespace

std::string_view format_name(TranscriptFormat f) { return names_of(f).name; }
std::string_view format_title(TranscriptFormat f) { return names_of(f).title; }
std::string_view format_call_word(TranscriptFormat f) { return names_of(f).calls; }

bool parse_format(std::string_view name, TranscriptFormat& f) {
  for (const FormatNames& n : kNames) {
    if (n.name == name) {
      f = n.format;
      return true;
    }
  }
  return false;
}

std::string format_names() {
  std::string out;
  for (const FormatNames& n : kNames) out += (out.empty() ? "" : ", ") + std::string(n.name);
  return out;
}

void take_census(const nlohmann::json& doc, ShapeCensus& census) { walk(doc, census, 0); }

TranscriptFormat detect_format(const ShapeCensus& c) {
  using F = TranscriptFormat;
  // Envelopes first: their messages inside are OpenAI-shaped.
  if (c.marked[at(F::kOtelGenAi)]) return F::kOtelGenAi;
  if (c.marked[at(F::kLangfuse)]) return F::kLangfuse;
  if (c.marked[at(F::kLangSmith)]) return F::kLangSmith;
  if (c.marked[at(F::kMcp)]) return F::kMcp;
  if (c.marked[at(F::kDashScope)]) return F::kDashScope;
  F best = F::kOpenAi;
  int64_t most = 0;
  for (F f : {F::kOpenAi, F::kOpenAiResponses, F::kAnthropic, F::kGemini}) {
    if (c.calls[at(f)] > most) {
      most = c.calls[at(f)];
      best = f;
    }
  }
  if (most > 0) return best;
  for (F f : {F::kOpenAiResponses, F::kAnthropic, F::kGemini}) {
    if (c.marked[at(f)]) return f;
  }
  return F::kOpenAi;
}

}  // namespace checkride
