// The identity fake's JWT check: any Bearer credential with a dot is read as a JWT (its
// base64url parts, then the RS256 signature, then the claims). Arbitrary input must be
// refused without a crash; the key's own token, once changed anywhere, must never verify.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "protocol/rsa_signer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const checkride::RsaSigner key("fuzz-key");
  static const std::string genuine = key.sign_jwt({{"jti", "at_1_0"}, {"exp", 1}});
  const std::string input(reinterpret_cast<const char*>(data), size);
  nlohmann::json claims;
  if (key.verify_jwt(input, claims) && input != genuine && !claims.is_object()) std::abort();
  std::string decoded;
  checkride::base64url_decode(input, decoded);
  // The genuine token with the input spliced into its middle: only the unchanged token
  // verifies (RS256 with PKCS #1 v1.5 is deterministic, so there is one valid signature).
  std::string spliced =
      genuine.substr(0, genuine.size() / 2) + input + genuine.substr(genuine.size() / 2);
  if (spliced != genuine && key.verify_jwt(spliced, claims) && !input.empty()) {
    // A different string verifying is possible only when it decodes to the same bytes
    // (base64url has no non-canonical forms the decoder accepts here).
    std::string a, b;
    if (!checkride::base64url_decode(spliced.substr(spliced.rfind('.') + 1), a) ||
        !checkride::base64url_decode(genuine.substr(genuine.rfind('.') + 1), b) || a != b)
      std::abort();
  }
  return 0;
}
