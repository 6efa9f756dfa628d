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

// A real transcript carries base64 images, hex blobs and long tokens. std::regex recursed per
// character on them: about 25,000 unbroken characters crashed record import (SIGSEGV). The
// redactor's scanners take any length, and still find the secrets around and inside it.
TEST(Redactor, ALongUnbrokenBlobIsRedactedAroundNotCrashedOn) {
  const std::string blob(300000, 'A');
  Redactor r;
  const std::string out = r.redact_text("image " + blob + "== from ann.lee@example.com, card " +
                                        "4242 4242 4242 4242, Bearer " + blob);
  EXPECT_NE(out.find("image " + blob + "== from redacted-1@example.invalid"), std::string::npos);
  EXPECT_NE(out.find("card [card-1]"), std::string::npos);
  EXPECT_NE(out.find("Bearer [token-1]"), std::string::npos);
  EXPECT_EQ(out.find("ann.lee"), std::string::npos);
  // An address glued to the blob: the blob is its local part, as the pattern always said.
  const std::string glued = r.redact_text(blob + "@example.org");
  EXPECT_EQ(glued, "redacted-2@example.invalid");
}

// The scanners keep the patterns' edges: a word boundary before a key or a card, the last
// label of two or more letters, a Luhn check, and a token of at least eight characters.
TEST(Redactor, TheScannersKeepThePatternsEdges) {
  Redactor r;
  EXPECT_EQ(r.redact_text("ask_0123456789abcdefXYZ"), "ask_0123456789abcdefXYZ");
  EXPECT_EQ(r.redact_text("x sk_0123456789abcdefXYZ."), "x [key-1].");
  EXPECT_EQ(r.redact_text("a@b.c and a@b.com1"), "a@b.c and redacted-1@example.invalid1");
  EXPECT_EQ(r.redact_text("order 4242424242424241"), "order 4242424242424241");
  EXPECT_EQ(r.redact_text("x4242424242424242"), "x4242424242424242");
  EXPECT_EQ(r.redact_text("token abc1234"), "token abc1234");
  EXPECT_EQ(r.redact_text("TOKEN\tabcd12345"), "TOKEN [token-1]");
}

}  // namespace
}  // namespace checkride
