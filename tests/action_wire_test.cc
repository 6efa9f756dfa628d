// drive writes each action request as text, its step's params dumped once: the bytes are
// those of the JSON form, so the orchestrator (and its signature check) sees no difference.
#include "protocol/action_wire.h"

#include <gtest/gtest.h>

namespace checkride {
namespace {

TEST(ActionWire, TheTextFormIsTheJsonFormByteForByte) {
  WireAction a;
  a.session = "drive-ab\"c-1";
  a.user = "user_\u00e9\n7";
  a.request_id = 18446744073709551615ull;
  a.action = "placeOrder";
  a.params = std::make_shared<nlohmann::json>(
      nlohmann::json::parse(R"({"items":[{"sku":"RUN-BLUE-42","quantity":1}],"note":"a\tb"})"));
  a.idempotency_key = "drive-1/0/0";
  a.payment_method = "pm_1";
  EXPECT_EQ(wire_action_text(a, a.params->dump()), wire_action_json(a).dump());
  a.idempotency_key.clear();
  a.payment_method.clear();
  EXPECT_EQ(wire_action_text(a, a.params->dump()), wire_action_json(a).dump());
  a.params = nullptr;
  EXPECT_EQ(wire_action_text(a, "{}"), wire_action_json(a).dump());
  WireAction back;
  std::string error;
  EXPECT_TRUE(parse_wire_action(wire_action_text(a, "{}"), back, error)) << error;
  EXPECT_EQ(back.session, a.session);
}

}  // namespace
}  // namespace checkride
