#include "recorder/http_url.h"

namespace checkride {

bool parse_http_url(const std::string& url, HttpUrl& out, std::string& error) {
  std::size_t scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    error = "expected an http:// or https:// URL, got '" + url + "'";
    return false;
  }
  std::size_t host_start = scheme_end + 3;
  std::size_t path_start = url.find('/', host_start);
  std::string host = url.substr(
      host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  if (host.empty()) {
    error = "expected a host in '" + url + "'";
    return false;
  }
  out.origin = scheme + "://" + host;
  out.prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  return true;
}

std::string chat_completions_path(const HttpUrl& url) {
  bool has_v1 = url.prefix.size() >= 3 && url.prefix.compare(url.prefix.size() - 3, 3, "/v1") == 0;
  return url.prefix + (has_v1 ? "" : "/v1") + "/chat/completions";
}

}  // namespace checkride
