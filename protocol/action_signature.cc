#include "protocol/action_signature.h"

#include <charconv>
#include <chrono>

#include "protocol/crypto.h"

namespace checkride {

int64_t unix_now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string action_signature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string signed_text = std::to_string(unix_seconds);
  signed_text += '.';
  signed_text += body;
  return "v1=" + to_hex(hmac_sha256(secret, signed_text));
}

std::string read_signed_text(std::string_view method, std::string_view target) {
  return std::string(method) + " " + std::string(target);
}

std::string SignatureVerifier::authentic(std::string_view timestamp, std::string_view signature,
                                         std::string_view body, int64_t now_unix,
                                         int64_t& ts) const {
  if (timestamp.empty() || signature.empty()) {
    return std::string("unsigned: send ") + kTimestampHeader + " and " + kSignatureHeader;
  }
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size()) {
    return std::string(kTimestampHeader) + " must be unix seconds";
  }
  // Checked before the timestamp's age, so a forged timestamp learns nothing about the clock.
  if (!constant_time_equal(action_signature(secret_, ts, body), signature)) {
    return "signature does not match the body and timestamp";
  }
  if (ts < now_unix - window_ || ts > now_unix + window_) {
    return "stale: the timestamp is more than " + std::to_string(window_) +
           " s from the server's clock";
  }
  return "";
}

std::string SignatureVerifier::check(std::string_view timestamp, std::string_view signature,
                                     std::string_view body, int64_t now_unix) {
  int64_t ts = 0;
  std::string why = authentic(timestamp, signature, body, now_unix, ts);
  if (!why.empty()) return why;
  std::lock_guard<std::mutex> lock(mu_);
  while (!expiry_.empty() && expiry_.begin()->first < now_unix) {
    seen_.erase(expiry_.begin()->second);
    expiry_.erase(expiry_.begin());
  }
  if (!seen_.insert(std::string(signature)).second) {
    return "replayed: this signed request was already accepted";
  }
  expiry_.emplace(ts + window_, std::string(signature));
  return "";
}

std::string SignatureVerifier::check_read(std::string_view timestamp, std::string_view signature,
                                          std::string_view signed_text, int64_t now_unix) {
  int64_t ts = 0;
  return authentic(timestamp, signature, signed_text, now_unix, ts);
}

void SignatureVerifier::remember(std::string signature, int64_t forget_after) {
  std::lock_guard<std::mutex> lock(mu_);
  if (seen_.insert(signature).second) expiry_.emplace(forget_after, std::move(signature));
}

}  // namespace checkride
