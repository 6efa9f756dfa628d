#pragma once
#include <string>
#include <vector>

namespace checkride {

// An OAuth client the identity fake knows. An empty secret is a public client (PKCE only).
// A code goes only to a registered redirect URI, matched exactly (RFC 9700 2.1).
struct OAuthClient {
  std::string id;
  std::string secret;
  std::vector<std::string> redirect_uris;
};

// A redirect URI a client may register: an absolute http(s) URL without a fragment
// (RFC 6749 3.1.2). False with what was expected.
bool check_redirect_uri(const std::string& uri, std::string& error);

// A client id as a client sends it: 1 to 200 visible ASCII characters (RFC 6749 A.1).
bool check_client_id(const std::string& id, std::string& error);

}  // namespace checkride
