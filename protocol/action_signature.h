#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace checkride {

// Signed action requests (docs/wire.md): the caller sends
//   X-Checkride-Timestamp: <unix seconds>
//   X-Checkride-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
// The timestamp bounds how long a captured request stays usable; the seen-signature set
// refuses a second delivery of the same request inside that window.
constexpr const char* kTimestampHeader = "X-Checkride-Timestamp";
constexpr const char* kSignatureHeader = "X-Checkride-Signature";

// The signing clock: unix seconds from the wall clock (wire mode only, never a simulation).
int64_t unix_now_seconds();

std::string action_signature(std::string_view secret, int64_t unix_seconds, std::string_view body);

// What a read (GET) signs in place of a body: the method and the target, so a signature for
// one path or query is good for no other. "GET /v1/sessions/s-1".
std::string read_signed_text(std::string_view method, std::string_view target);

class SignatureVerifier {
 public:
  SignatureVerifier(std::string secret, int64_t window_seconds)
      : secret_(std::move(secret)), window_(window_seconds) {}

  // "" when the request is authentic, fresh and new; else why it is refused. Thread-safe.
  std::string check(std::string_view timestamp, std::string_view signature, std::string_view body,
                    int64_t now_unix);
  // The same for a read, signed over read_signed_text(): a read may be repeated in the
  // window (it changes nothing), so it is not remembered.
  std::string check_read(std::string_view timestamp, std::string_view signature,
                         std::string_view signed_text, int64_t now_unix);
  // A signature accepted before a restart, refused again until `forget_after` (unix s).
  void remember(std::string signature, int64_t forget_after);

 private:
  std::string secret_;
  int64_t window_;
  std::mutex mu_;
  std::unordered_set<std::string> seen_;
  std::string authentic(std::string_view timestamp, std::string_view signature,
                        std::string_view body, int64_t now_unix, int64_t& ts) const;

  std::multimap<int64_t, std::string> expiry_;  // forget after -> signature
};

}  // namespace checkride
