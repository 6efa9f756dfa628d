// A Stripe webhook delivery as POST /webhooks/stripe gets it: the first line is the
// Stripe-Signature header, the rest the body. Bad input is a refusal, never a crash.
#include <cstdint>
#include <string>

#include "protocol/stripe_webhook.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string header = input.substr(0, newline);
  const std::string body = newline == std::string::npos ? "" : input.substr(newline + 1);
  std::string error;
  checkride::verify_stripe_signature(header, body, "whsec_fuzz", 1700000000, 300, error);
  checkride::StripeEventFields fields;
  checkride::parse_stripe_event(body, fields, error);
  return 0;
}
