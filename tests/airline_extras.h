// The airline worked example with the world's own extras (issue 30, part 1) and a time limit
// before departure (part 5), for the tests that replay it and drive it over the wire.
#pragma once
#include <cstdio>
#include <stdexcept>
#include <string>

#include "tests/conversation_builder.h"

namespace checkride::testing {

// $50 a bag on the booking, one free per passenger (three for gold members); insurance $30
// per passenger, kept on a cancel. Omar's K1NW8N (HAT001 economy, $249) was bought insured.
inline const char* kExtras =
    "extras:\n"
    "  - id: checked_bag\n"
    "    price_cents: 5000\n"
    "    free:\n"
    "      - {membership: gold, units: 3}\n"
    "      - {units: 1}\n"
    "  - {id: travel_insurance, price_cents: 3000, per: passenger}\n";

inline std::string airline_world(const std::string& dir,
                                 const std::string& omars_tier = "regular") {
  std::string text =
      testing::read_text(testing::source_path("scenarios/worlds/airline-support.yaml"));
  const std::string omar =
      "{reference: K1NW8N, user: omar_davis_3817, offer: HAT001-2026-12-10-economy, seats: 1";
  const std::size_t at = text.find(omar);
  if (at == std::string::npos) throw std::runtime_error("the airline world changed");
  text.insert(at + omar.size(), ", paid_cents: 27900, extras: {travel_insurance: 1}");
  return testing::write_temp(dir, "world.yaml",
                             text + kExtras +
                                 "memberships:\n  - {user: mia_li_3668, tier: gold}\n" +
                                 "  - {user: omar_davis_3817, tier: " + omars_tier + "}\n");
}

// The airline catalog with update_reservation_baggages setting the world's checked_bag to the
// reservation's new total instead of counting paid bags, and book_reservation buying bags and
// insurance with the fares (the airline-rules worked example's, written from the shipped one).
inline std::string declared_catalog(const std::string&) {
  return testing::source_path("scenarios/catalogs/airline-rules.yaml");
}

// Omar asks for `total` bags in all on K1NW8N; production charged `fee` dollars (0: nothing).
inline Conversation bags(int total, int nonfree, double fee) {
  Conversation c("omar_davis_3817");
  c.say("user", "I'm omar_davis_3817. I want " + std::to_string(total) + " bags on K1NW8N.");
  nlohmann::json history =
      nlohmann::json::array({{{"payment_id", "credit_card_9012"}, {"amount", 279}}});
  c.call("get_reservation_details", {{"reservation_id", "K1NW8N"}},
         {{"reservation_id", "K1NW8N"}, {"cabin", "economy"}, {"payment_history", history}});
  c.say("assistant", "That is $" + std::to_string(static_cast<int>(fee)) + ". Shall I?");
  c.say("user", "Yes.");
  if (fee > 0) history.push_back({{"payment_id", "credit_card_9012"}, {"amount", fee}});
  c.call("update_reservation_baggages",
         {{"reservation_id", "K1NW8N"},
          {"total_baggages", total},
          {"nonfree_baggages", nonfree},
          {"payment_id", "credit_card_9012"}},
         {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
  return c;
}

// Omar books HAT005 ($129) with two bags (one free) and insurance; production charged $209.
inline Conversation book_insured(double total = 209) {
  Conversation c("omar_davis_3817");
  c.say("user", "I'm omar_davis_3817. SFO to ORD on 2026-12-11, two bags, insured.");
  char price[32];
  std::snprintf(price, sizeof price, "$%.2f", total);
  c.say("assistant",
        std::string("HAT005 economy with two bags (one free) and insurance: ") + price + ". Book?");
  c.say("user", "Yes.");
  const nlohmann::json history =
      nlohmann::json::array({{{"payment_id", "credit_card_9012"}, {"amount", total}}});
  nlohmann::json args =
      one_way_booking("omar_davis_3817", "HAT005", "SFO-ORD", "2026-12-11",
                      {{{"first_name", "Omar"}, {"last_name", "Davis"}}}, history);
  args["total_baggages"] = 2;
  args["nonfree_baggages"] = 1;
  args["insurance"] = "yes";
  c.call("book_reservation", args,
         {{"reservation_id", "NEW7001"}, {"status", "confirmed"}, {"payment_history", history}});
  return c;
}

// The airline world with HAT001 (Omar's K1NW8N) leaving at 08:00 on the 10th, no cancel
// within 24 h of it, and the sessions starting at `now`.
inline std::string world_at(const std::string& dir, const std::string& now) {
  std::string text =
      testing::read_text(testing::source_path("scenarios/worlds/airline-support.yaml"));
  const std::string hat001 = "id: HAT001-2026-12-10-economy,";
  const std::size_t at = text.find(hat001);
  if (at == std::string::npos) throw std::runtime_error("the airline world changed");
  text.insert(at + hat001.size(), " departs_at: \"2026-12-10T08:00:00Z\",");
  return testing::write_temp(
      dir, "world.yaml",
      text + "now: \"" + now + "\"\nbooking_rules:\n  not_within: {cancel: 24h}\n");
}

// Omar cancels K1NW8N; production refused it (too close to departure) or refunded $249.
inline Conversation cancel(bool refused) {
  Conversation c("omar_davis_3817");
  c.say("user", "I'm omar_davis_3817. Cancel K1NW8N.");
  nlohmann::json history =
      nlohmann::json::array({{{"payment_id", "credit_card_9012"}, {"amount", 249}}});
  c.call("get_reservation_details", {{"reservation_id", "K1NW8N"}},
         {{"reservation_id", "K1NW8N"}, {"payment_history", history}});
  c.say("assistant", "Cancel K1NW8N for a refund of $249?");
  c.say("user", "Yes.");
  if (refused) {
    c.call("cancel_reservation", {{"reservation_id", "K1NW8N"}},
           "Error: cannot cancel within 24 hours of departure");
    return c;
  }
  history.push_back({{"payment_id", "credit_card_9012"}, {"amount", -249}});
  c.call("cancel_reservation", {{"reservation_id", "K1NW8N"}},
         {{"reservation_id", "K1NW8N"}, {"status", "cancelled"}, {"payment_history", history}});
  return c;
}

}  // namespace checkride::testing
