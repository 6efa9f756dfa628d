// TextSealer: what the orchestrator's store keeps instead of tokens.
#include "protocol/sealed_text.h"

#include <gtest/gtest.h>

namespace checkride {
namespace {

TEST(SealedText, OpensWhatItSealedAndNothingElse) {
  TextSealer sealer("a-service-secret-0123456789");
  const std::string token = "at_4f1c9e0b7d2a";
  const std::string sealed = sealer.seal(token);
  EXPECT_TRUE(TextSealer::is_sealed(sealed));
  EXPECT_EQ(sealed.find(token), std::string::npos);
  EXPECT_EQ(sealer.open(sealed), token);
  EXPECT_EQ(sealer.seal(token), sealed) << "one text, one row: the table keeps texts unique";
  EXPECT_NE(sealer.seal("at_4f1c9e0b7d2b"), sealed);
  EXPECT_EQ(sealer.open(sealer.seal("")), "");

  TextSealer other("another-secret-0123456789");
  EXPECT_EQ(other.open(sealed), std::nullopt) << "another secret opened the row";
  std::string flipped = sealed;
  char& c = flipped[flipped.size() / 2];  // inside the ciphertext; base64's tail has spare bits
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(sealer.open(flipped), std::nullopt) << "a damaged row opened";
  EXPECT_EQ(sealer.open("sealed1:not base64!"), std::nullopt);
  EXPECT_EQ(sealer.open("sealed1:"), std::nullopt);
  // Rows written before sealing read as they are.
  EXPECT_EQ(sealer.open("pi_3Mtw1"), "pi_3Mtw1");
}

}  // namespace
}  // namespace checkride
