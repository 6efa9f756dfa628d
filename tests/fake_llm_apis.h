// An in-test upstream that speaks the OpenAI Responses API (POST /v1/responses) and
// Anthropic Messages (POST /v1/messages), streamed and not, as their documentation shows
// them. Each conversation goes: the user asks; the model makes two parallel searchCatalog
// calls; once both are answered it says what it found. Streams arrive in odd-sized writes
// and split a call's arguments (which carry the shopper's e-mail) across many deltas.
#pragma once
#include <httplib.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace checkride::testing {

class FakeLlmApis {
 public:
  FakeLlmApis(std::string key, std::string email);
  ~FakeLlmApis();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  static constexpr const char* kFinalText = "Both runners found: $79.00 each.";

 private:
  void responses(const httplib::Request& req, httplib::Response& res);
  void messages(const httplib::Request& req, httplib::Response& res);
  nlohmann::json calls_args(int i) const;

  std::string key_, email_;
  std::mutex mu_;
  std::map<std::string, nlohmann::json> stored_;  // response id or conversation -> items
  int next_id_ = 1;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Sends `sse` in writes of `piece` bytes.
void send_sse(httplib::Response& res, std::string sse, std::size_t piece = 37);
std::string sse_event(const std::string& event, const nlohmann::json& data);
// The `data:` payloads of an SSE body, parsed.
std::vector<nlohmann::json> sse_payloads(const std::string& body);

}  // namespace checkride::testing
