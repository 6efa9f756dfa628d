#pragma once
#include <string>

namespace checkride {

// "http://host:port/prefix" taken apart: what httplib::Client needs (scheme://host:port)
// and the path prefix requests go under ("/v1" of "https://api.openai.com/v1").
struct HttpUrl {
  std::string origin;  // scheme://host[:port]
  std::string prefix;  // "" or "/something", never ending in '/'
};

// False with `error` when `url` is not http:// or https:// with a host.
bool parse_http_url(const std::string& url, HttpUrl& out, std::string& error);

// The path for an OpenAI-style endpoint under `url`: "/v1/chat/completions" whether the
// user gave "http://h:1" or "http://h:1/v1".
std::string chat_completions_path(const HttpUrl& url);

}  // namespace checkride
