// Authenticated encryption for short strings kept at rest: the access and refresh tokens (and
// the provider ids beside them) in the orchestrator's store. A copied store file then holds no
// token anyone can present.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace checkride {

class TextSealer {
 public:
  // Keys for AES-256-GCM and for the nonce, derived from the service's secret.
  explicit TextSealer(std::string_view secret);

  // "sealed1:" + base64(nonce | ciphertext | tag). Deterministic: the nonce is an HMAC of the
  // text, so one text always seals to one row (the table keeps texts UNIQUE), and two texts
  // never share a nonce.
  std::string seal(std::string_view plain) const;
  // The text `seal` was given. A stored text without the prefix is a row written before
  // sealing and is returned as it is. nullopt when sealed under another secret, or damaged.
  std::optional<std::string> open(std::string_view stored) const;
  static bool is_sealed(std::string_view stored);

 private:
  std::array<unsigned char, 32> cipher_key_{};
  std::string nonce_key_;
};

}  // namespace checkride
