#pragma once
#include <string>
#include <string_view>

#include "protocol/audit_record.h"

namespace checkride {

// Thin wrappers over OpenSSL for the wire: PKCE (S256), request signatures and Basic auth.
Sha256 sha256(std::string_view data);
Sha256 hmac_sha256(std::string_view key, std::string_view data);
std::string base64url(const uint8_t* data, std::size_t n);  // no padding (RFC 7636)
inline std::string base64url(const Sha256& h) { return base64url(h.data(), h.size()); }
// Standard base64 with padding; false on anything else.
bool base64_decode(std::string_view in, std::string& out);
// `bytes` random bytes from OpenSSL's CSPRNG, as hex (secrets the fakes hand out).
std::string random_token_hex(std::size_t bytes);
// Compares in time that depends only on the lengths, never on where the bytes differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace checkride
