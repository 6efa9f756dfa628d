// The retail worked example with an extra sold on orders (gift wrap, $5.00 an order, free
// for orders of $100.00 or more) and a place_order tool that buys it, for the tests that
// replay it and drive it over the wire (issue 30, part 1).
#pragma once
#include <string>

#include "tests/conversation_builder.h"

namespace checkride::testing {

inline const char* kGiftWrap =
    "extras:\n"
    "  - {id: gift_wrap, price_cents: 500, per: order, on: orders,\n"
    "     free: [{min_value_cents: 10000, units: 1}]}\n";

// The retail world with gift wrap on orders, written under `dir`.
inline std::string gift_wrap_world(const std::string& dir) {
  return write_temp(dir, "world.yaml",
                    read_text(source_path("scenarios/worlds/retail-support.yaml")) + kGiftWrap);
}

// The retail catalog with place_order: items by SKU, gift_wrap yes or no.
inline std::string gift_wrap_catalog(const std::string& dir) {
  return write_temp(dir, "catalog.yaml",
                    read_text(source_path("scenarios/catalogs/retail-support.yaml")) +
                        "\n  - name: place_order\n"
                        "    description: Order items, gift wrapped or not\n"
                        "    handler: place_order\n"
                        "    charge: true\n"
                        "    scopes: [orders:write, payments:charge]\n"
                        "    money: {charged: /charged}\n"
                        "    params:\n"
                        "      type: object\n"
                        "      required: [items]\n"
                        "      properties:\n"
                        "        items: {type: array, items: {type: object}}\n"
                        "        gift_wrap: {type: boolean}\n"
                        "    map: {items: /items, item_sku: sku, item_quantity: quantity,\n"
                        "          extras: {gift_wrap: /gift_wrap}}\n");
}

// Yusuf orders one `sku` gift wrapped; production charged `charged` dollars.
inline Conversation order_wrapped(const std::string& sku, double charged) {
  Conversation c("yusuf_rossi_9620");
  c.say("user", "I'm yusuf.rossi@example.com. One " + sku + ", gift wrapped please.");
  char total[32];
  std::snprintf(total, sizeof total, "$%.2f", charged);
  c.say("assistant", std::string("That comes to ") + total + " with the wrapping. Order it?");
  c.say("user", "Yes.");
  c.call("place_order", {{"items", {{{"sku", sku}, {"quantity", 1}}}}, {"gift_wrap", true}},
         {{"order_id", "#W9000001"}, {"status", "pending"}, {"charged", charged}});
  return c;
}

}  // namespace checkride::testing
