#pragma once
#include <cstdint>
#include <string_view>

namespace checkride {

// What a card does when it is charged.
enum class CardBehaviour : uint8_t {
  kSucceeds,
  kDeclined,           // card_declined, generic_decline
  kInsufficientFunds,  // card_declined, insufficient_funds
  kAuthRequired,       // 3-D Secure: requires_action until the customer authenticates
  kExpiredCard,        // expired_card
  kIncorrectCvc,       // incorrect_cvc
  kProcessingError,    // processing_error
  kLostCard,           // card_declined, lost_card
  kStolenCard,         // card_declined, stolen_card
  kFraudulent,         // card_declined, fraudulent
};

// One of Stripe's test payment methods (docs.stripe.com/testing), as Stripe documents it:
// the error code and decline code of a card that is refused, the brand of one that is not.
struct TestCard {
  std::string_view name;
  CardBehaviour behaviour;
  std::string_view brand;
  std::string_view funding;
  std::string_view last4;
  std::string_view code;          // the error's code when refused
  std::string_view decline_code;  // the error's decline_code when refused
  std::string_view message;
};

// Every supported test payment method, in the order docs/wire.md lists them.
const TestCard* test_cards(std::size_t& count);
// The card named `name`, or nullptr.
const TestCard* find_test_card(std::string_view name);
// The first card that behaves as `b`.
const TestCard& default_test_card(CardBehaviour b);
bool is_declined(CardBehaviour b);

// Compatibility with the scenario's `payment_method:`: any test card's behaviour.
bool parse_card_behaviour(std::string_view stripe_test_pm, CardBehaviour& out);
std::string_view card_test_name(CardBehaviour b);

}  // namespace checkride
