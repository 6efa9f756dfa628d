// Redaction before anything touches disk: bearer tokens, API keys, Luhn-valid card numbers,
// e-mail addresses and configured JSON paths become stable placeholders.
#include <gtest/gtest.h>

#include "protocol/input_error.h"
#include "recorder/redactor.h"

namespace checkride {
namespace {

TEST(Redactor, SecretsBecomeStablePlaceholders) {
  Redactor r;
  std::string a = r.redact_text("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig");
  EXPECT_EQ(a, "Authorization: Bearer [token-1]");
  EXPECT_EQ(r.redact_text("key sk-proj-abcdefghijklmnopqrstuv"), "key [key-1]");
  EXPECT_EQ(r.redact_text("mail jane.doe+shop@example.co.uk now"),
            "mail redacted-1@example.invalid now");
  EXPECT_EQ(r.redact_text("card 4242 4242 4242 4242."), "card [card-1].");
  EXPECT_EQ(r.redact_text("card 4242-4242-4242-4242"), "card [card-1]");  // same card, same id
  EXPECT_EQ(r.redact_text("other jane@example.org"), "other redacted-2@example.invalid");
  EXPECT_EQ(r.redact_text("again jane.doe+shop@example.co.uk"), "again redacted-1@example.invalid");
}

TEST(Redactor, DigitRunsThatFailLuhnAreLeftAlone) {
  Redactor r;
  EXPECT_EQ(r.redact_text("order 4242424242424241 at 1767225600123"),
            "order 4242424242424241 at 1767225600123");
  EXPECT_EQ(r.redact_text("amount 7900"), "amount 7900");
}

TEST(Redactor, CardNumbersTypedAsJsonNumbersAndConfiguredPaths) {
  RedactionConfig config;
  config.json_paths = {"/params/passport"};
  Redactor r(config);
  nlohmann::ordered_json ev = {
      {"type", "action"},
      {"params", {{"passport", "X1234567"}, {"pan", 4111111111111111ULL}, {"qty", 2}}}};
  r.redact(ev);
  EXPECT_EQ(ev["params"]["passport"], "[redacted-1]");
  EXPECT_EQ(ev["params"]["pan"], "[card-1]");
  EXPECT_EQ(ev["params"]["qty"], 2);
  EXPECT_EQ(ev["type"], "action");
}

TEST(Redactor, ABadPathIsAnInputError) {
  RedactionConfig config;
  config.json_paths = {"params.passport"};
  EXPECT_THROW(Redactor{config}, InputError);
}

// nlohmann throws out_of_range on an array index too large to parse; the redactor let it
// out of every event it saw. Such a path names nothing, and the event is still redacted.
TEST(Redactor, AnArrayIndexPastAnyArrayNamesNothing) {
  RedactionConfig config;
  config.json_paths = {"/params/items/99999999999999999999999", "/params/passport"};
  Redactor r(config);
  nlohmann::ordered_json ev = {{"params", {{"items", {1, 2}}, {"passport", "X1234567"}}}};
  r.redact(ev);
  EXPECT_EQ(ev["params"]["items"], nlohmann::ordered_json({1, 2}));
  EXPECT_EQ(ev["params"]["passport"], "[redacted-1]");
}

}  // namespace
}  // namespace checkride
