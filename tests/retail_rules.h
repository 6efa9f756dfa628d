// The retail worked example's shop with orders and rules of the test's own, for the tests of
// the world's order rules (issue 30, part 5) in replay.
#pragma once
#include <string>

#include "tests/conversation_builder.h"

namespace checkride::testing {

inline const char* kYusufsCard = "credit_card_9513926";

inline nlohmann::json payment(double amount, const std::string& kind = "payment") {
  return {{"transaction_type", kind}, {"amount", amount}, {"payment_method_id", kYusufsCard}};
}

inline nlohmann::json order_json(const std::string& id, const std::string& status,
                                 const nlohmann::json& history) {
  return {{"order_id", id},
          {"user_id", "yusuf_rossi_9620"},
          {"status", status},
          {"payment_history", history}};
}

// The retail example's world with `orders` in place of its orders and `rules` added.
inline std::string retail_world(const std::string& skus, const std::string& orders,
                                const std::string& rules) {
  return "currency: usd\nskus:\n" + skus + "orders:\n" + orders +
         "stored_value:\n  - {id: gift_card_7701, user: yusuf_rossi_9620, balance_cents: 30000}\n" +
         rules;
}

inline const char* kRetailSkus =
    "  - {id: LAMP-DESK-BLK, price_cents: 5499, stock: 100, product: desk-lamp}\n"
    "  - {id: LAMP-DESK-WHT, price_cents: 5999, stock: 100, product: desk-lamp}\n"
    "  - {id: KBD-MECH-BRN, price_cents: 12950, stock: 100, product: keyboard}\n"
    "  - {id: MUG-CER-12, price_cents: 1400, stock: 100, product: mug}\n"
    "  - {id: MUG-CER-16, price_cents: 1600, stock: 100, product: mug}\n";

inline ReplayResult replay_in(const std::string& name, const std::string& world,
                              const nlohmann::json& sessions, const std::string& faults = "") {
  const std::string dir = temp_dir(name);
  return replay_example(dir, "retail-support", sessions, false,
                        write_temp(dir, "world.yaml", world), faults);
}

// Yusuf's lamp (#W4817420, $54.99, delivered) and his pending keyboard and two mugs
// (#W2378156, $157.50), each paid $20.00 from gift_card_7701 and the rest by his card; he also
// holds gift_card_8802 and a wallet, which paid for neither.
inline std::string split_paid_world(const std::string& rules = "") {
  return "currency: usd\nskus:\n" + std::string(kRetailSkus) +
         "orders:\n"
         "  - {reference: \"#W4817420\", user: yusuf_rossi_9620, status: delivered,\n"
         "     items: [{sku: LAMP-DESK-BLK, quantity: 1}], paid_cents: 5499,\n"
         "     paid_stored_value: [{id: gift_card_7701, amount_cents: 2000}]}\n"
         "  - {reference: \"#W2378156\", user: yusuf_rossi_9620, status: pending,\n"
         "     items: [{sku: KBD-MECH-BRN, quantity: 1}, {sku: MUG-CER-12, quantity: 2}],\n"
         "     paid_cents: 15750, paid_stored_value: [{id: gift_card_7701, amount_cents: 2000}]}\n"
         "stored_value:\n"
         "  - {id: gift_card_7701, user: yusuf_rossi_9620, balance_cents: 30000}\n"
         "  - {id: gift_card_8802, user: yusuf_rossi_9620, balance_cents: 0}\n"
         "payment_methods:\n"
         "  - {id: credit_card_9513926, user: yusuf_rossi_9620, kind: card, brand: visa}\n"
         "  - {id: paypal_5544, user: yusuf_rossi_9620, kind: wallet, brand: paypal}\n" +
         rules;
}

// Yusuf returns the lamp, its refund named into `into`; production refunded it there, or not.
inline nlohmann::json lamp_back_into(const std::string& into, bool refused) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. Return the lamp of #W4817420, refund to " + into);
  const nlohmann::json history = nlohmann::json::array({payment(54.99, "refund")});
  nlohmann::json answer = order_json("#W4817420", "return requested", history);
  answer["payment_history"][0]["payment_method_id"] = into;
  c.call("return_delivered_order_items",
         {{"order_id", "#W4817420"}, {"item_ids", {"LAMP-DESK-BLK"}}, {"payment_method_id", into}},
         refused ? nlohmann::json("Error: refunds go to the original payment method or a gift card")
                 : answer);
  return c.dump(320);
}

}  // namespace checkride::testing
