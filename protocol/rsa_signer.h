#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace checkride {

// An RSA-2048 key that signs JWTs with RS256 (RFC 7518 3.3) and publishes itself as a JWK
// (RFC 7517), over OpenSSL. The identity fake signs id_tokens and JWT access tokens with it.
class RsaSigner {
 public:
  // A fresh key, named `kid` in the JWT header and the JWKS.
  explicit RsaSigner(std::string kid);
  ~RsaSigner();
  RsaSigner(const RsaSigner&) = delete;
  RsaSigner& operator=(const RsaSigner&) = delete;

  const std::string& kid() const { return kid_; }
  // header.payload.signature, the header {"alg":"RS256","typ":typ,"kid":kid}.
  std::string sign_jwt(const nlohmann::json& claims, std::string_view typ = "JWT") const;
  // {"kty":"RSA","use":"sig","alg":"RS256","kid","n","e"}
  nlohmann::json jwk() const;
  // Verifies a JWT this key signed; the claims on success.
  bool verify_jwt(std::string_view jwt, nlohmann::json& claims) const;

 private:
  struct Key;
  std::string kid_;
  std::unique_ptr<Key> key_;
};

// base64url without padding of raw bytes, and back.
std::string base64url_text(std::string_view bytes);
bool base64url_decode(std::string_view in, std::string& out);

}  // namespace checkride
