#include "tests/fake_llm_apis.h"

#include <sstream>

namespace checkride::testing {
namespace {

using json = nlohmann::json;

json search_tool_input(const std::string& query, const std::string& email) {
  return {{"query", email.empty() ? query : query + " for " + email}};
}

void refuse(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump(),
                  "application/json");
}

// Deltas of `text` in pieces of `n` characters.
std::vector<std::string> pieces(const std::string& text, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size(); i += n) out.push_back(text.substr(i, n));
  return out;
}

}  // namespace

void send_sse(httplib::Response& res, std::string sse, std::size_t piece) {
  res.set_chunked_content_provider("text/event-stream",
                                   [sse, piece](size_t offset, httplib::DataSink& sink) {
                                     if (offset >= sse.size()) {
                                       sink.done();
                                       return true;
                                     }
                                     const std::size_t n = std::min(piece, sse.size() - offset);
                                     sink.write(sse.data() + offset, n);
                                     return true;
                                   });
}

std::string sse_event(const std::string& event, const json& data) {
  return "event: " + event + "\ndata: " + data.dump() + "\n\n";
}

std::vector<json> sse_payloads(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("data: ", 0) == 0) out.push_back(json::parse(line.substr(6)));
  }
  return out;
}

// The Responses API's stream of `response`: each item added, its deltas (parallel calls'
// interleaved, as the items stream side by side), each item done, then response.completed.
std::string responses_events(const json& response) {
  const json& output = response["output"];
  const std::string& id = response["id"].get_ref<const std::string&>();
  int seq = 0;
  auto event = [&seq](const std::string& type, json data) {
    data["type"] = type;
    data["sequence_number"] = seq++;
    return sse_event(type, data);
  };
  std::string sse =
      event("response.created",
            {{"response", {{"id", id}, {"status", "in_progress"}, {"output", json::array()}}}});
  std::vector<std::vector<std::string>> deltas(output.size());
  for (std::size_t i = 0; i < output.size(); ++i) {
    json added = output[i];
    if (added["type"] == "function_call") {
      added["arguments"] = "";
      deltas[i] = pieces(output[i]["arguments"], 5);
    } else if (added["type"] == "message") {
      added["content"] = json::array();
      deltas[i] = pieces(output[i]["content"][0]["text"], 4);
    }
    sse += event("response.output_item.added", {{"output_index", i}, {"item", added}});
    if (added["type"] == "message") {
      sse +=
          event("response.content_part.added", {{"output_index", i},
                                                {"content_index", 0},
                                                {"part", {{"type", "output_text"}, {"text", ""}}}});
    }
  }
  // Parallel calls' argument deltas interleave, as the items stream side by side.
  for (std::size_t k = 0;; ++k) {
    bool any = false;
    for (std::size_t i = 0; i < output.size(); ++i) {
      if (k >= deltas[i].size()) continue;
      any = true;
      const bool call = output[i]["type"] == "function_call";
      json d = {{"output_index", i}, {"item_id", output[i]["id"]}, {"delta", deltas[i][k]}};
      if (!call) d["content_index"] = 0;
      sse +=
          event(call ? "response.function_call_arguments.delta" : "response.output_text.delta", d);
    }
    if (!any) break;
  }
  for (std::size_t i = 0; i < output.size(); ++i) {
    sse += event("response.output_item.done", {{"output_index", i}, {"item", output[i]}});
  }
  sse += event("response.completed", {{"response", response}});
  return sse;
}

FakeLlmApis::FakeLlmApis(std::string key, std::string email)
    : key_(std::move(key)), email_(std::move(email)) {
  server_.Post("/v1/responses", [this](const httplib::Request& req, httplib::Response& res) {
    responses(req, res);
  });
  server_.Post("/v1/messages",
               [this](const httplib::Request& req, httplib::Response& res) { messages(req, res); });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

FakeLlmApis::~FakeLlmApis() {
  server_.stop();
  thread_.join();
}

json FakeLlmApis::calls_args(int i) const {
  return i == 0 ? search_tool_input("blue runner", email_) : search_tool_input("red runner", "");
}

void FakeLlmApis::responses(const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value("Authorization") != "Bearer " + key_) {
    return refuse(res, 401, "Incorrect API key provided: " + req.get_header_value("Authorization"));
  }
  json body = json::parse(req.body);
  json items = json::array();
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string from = body.contains("previous_response_id")
                           ? body["previous_response_id"].get<std::string>()
                       : body.contains("conversation") ? body["conversation"].get<std::string>()
                                                       : "";
    if (!from.empty()) items = stored_[from];
    id = "resp_" + std::to_string(next_id_++);
  }
  json input = body["input"].is_string()
                   ? json::array({{{"role", "user"}, {"content", body["input"]}}})
                   : body["input"];
  for (const auto& item : input) items.push_back(item);
  bool answered = false;
  for (const auto& item : items)
    answered = answered || item.value("type", "") == "function_call_output";
  json output = json::array();
  if (answered) {
    output.push_back(
        {{"type", "message"},
         {"id", "msg_" + id},
         {"role", "assistant"},
         {"status", "completed"},
         {"content",
          {{{"type", "output_text"}, {"text", kFinalText}, {"annotations", json::array()}}}}});
  } else {
    output.push_back({{"type", "reasoning"}, {"id", "rs_" + id}, {"summary", json::array()}});
    for (int i = 0; i < 2; ++i) {
      output.push_back({{"type", "function_call"},
                        {"id", "fc_" + id + "_" + std::to_string(i)},
                        {"call_id", "call_" + id + "_" + std::to_string(i)},
                        {"name", "searchCatalog"},
                        {"arguments", calls_args(i).dump()},
                        {"status", "completed"}});
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    json all = items;
    for (const auto& item : output) all.push_back(item);
    stored_[id] = all;
    if (body.contains("conversation")) stored_[body["conversation"].get<std::string>()] = all;
  }
  json response = {{"id", id},
                   {"object", "response"},
                   {"status", "completed"},
                   {"model", body["model"]},
                   {"output", output}};
  if (!body.value("stream", false)) return res.set_content(response.dump(), "application/json");
  send_sse(res, responses_events(response));
}

void FakeLlmApis::messages(const httplib::Request& req, httplib::Response& res) {
  if (req.get_header_value("x-api-key") != key_) {
    res.status = 401;
    return res.set_content(
        R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})",
        "application/json");
  }
  json body = json::parse(req.body);
  const json& last = body["messages"].back();
  bool answered = last["content"].is_array() && !last["content"].empty() &&
                  last["content"][0].value("type", "") == "tool_result";
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = "msg_" + std::to_string(next_id_++);
  }
  json content = json::array();
  if (answered) {
    content.push_back({{"type", "text"}, {"text", kFinalText}});
  } else {
    content.push_back({{"type", "text"}, {"text", "Let me look for both."}});
    for (int i = 0; i < 2; ++i) {
      content.push_back({{"type", "tool_use"},
                         {"id", "toolu_" + id + "_" + std::to_string(i)},
                         {"name", "searchCatalog"},
                         {"input", calls_args(i)}});
    }
  }
  json message = {{"id", id},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", body["model"]},
                  {"content", content},
                  {"stop_reason", answered ? "end_turn" : "tool_use"}};
  if (!body.value("stream", false)) return res.set_content(message.dump(), "application/json");
  auto event = [](const std::string& type, json data) {
    data["type"] = type;
    return sse_event(type, data);
  };
  json start = message;
  start["content"] = json::array();
  start["stop_reason"] = nullptr;
  std::string sse = event("message_start", {{"message", start}}) + event("ping", json::object());
  for (std::size_t i = 0; i < content.size(); ++i) {
    json block = content[i];
    const bool call = block["type"] == "tool_use";
    block[call ? "input" : "text"] = call ? json::object() : json("");
    sse += event("content_block_start", {{"index", i}, {"content_block", block}});
    for (const auto& part :
         pieces(call ? content[i]["input"].dump() : content[i]["text"].get<std::string>(), 6)) {
      json delta = call ? json{{"type", "input_json_delta"}, {"partial_json", part}}
                        : json{{"type", "text_delta"}, {"text", part}};
      sse += event("content_block_delta", {{"index", i}, {"delta", delta}});
    }
    sse += event("content_block_stop", {{"index", i}});
  }
  sse += event("message_delta", {{"delta", {{"stop_reason", message["stop_reason"]}}}});
  sse += event("message_stop", json::object());
  send_sse(res, sse);
}

}  // namespace checkride::testing
