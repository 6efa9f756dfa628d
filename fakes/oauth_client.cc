#include "fakes/oauth_client.h"

namespace checkride {

bool check_redirect_uri(const std::string& uri, std::string& error) {
  bool absolute = (uri.rfind("http://", 0) == 0 && uri.size() > 7) ||
                  (uri.rfind("https://", 0) == 0 && uri.size() > 8);
  if (!absolute || uri.find('#') != std::string::npos) {
    error = "redirect URI '" + uri + "': expected an absolute http(s) URL without a fragment";
    return false;
  }
  return true;
}

bool check_client_id(const std::string& id, std::string& error) {
  bool visible = !id.empty() && id.size() <= 200;
  for (char c : id) visible = visible && c > 0x20 && c < 0x7f;
  if (!visible) {
    error = "client id '" + id + "': expected 1 to 200 visible ASCII characters";
    return false;
  }
  return true;
}

}  // namespace checkride
