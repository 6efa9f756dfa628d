#include "fakes/test_cards.h"

#include <array>

namespace checkride {
namespace {

using B = CardBehaviour;
constexpr std::string_view kDeclinedMessage = "Your card was declined.";

constexpr std::array<TestCard, 18> kCards = {{
    {"pm_card_visa", B::kSucceeds, "visa", "credit", "4242", "", "", ""},
    {"pm_card_visa_debit", B::kSucceeds, "visa", "debit", "5556", "", "", ""},
    {"pm_card_mastercard", B::kSucceeds, "mastercard", "credit", "4444", "", "", ""},
    {"pm_card_amex", B::kSucceeds, "amex", "credit", "8431", "", "", ""},
    {"pm_card_visa_chargeDeclined", B::kDeclined, "visa", "credit", "0002", "card_declined",
     "generic_decline", kDeclinedMessage},
    {"pm_card_chargeDeclined", B::kDeclined, "visa", "credit", "0002", "card_declined",
     "generic_decline", kDeclinedMessage},
    {"pm_card_visa_chargeDeclinedInsufficientFunds", B::kInsufficientFunds, "visa", "credit",
     "9995", "card_declined", "insufficient_funds", "Your card has insufficient funds."},
    {"pm_card_chargeDeclinedInsufficientFunds", B::kInsufficientFunds, "visa", "credit", "9995",
     "card_declined", "insufficient_funds", "Your card has insufficient funds."},
    {"pm_card_chargeDeclinedExpiredCard", B::kExpiredCard, "visa", "credit", "0069", "expired_card",
     "expired_card", "Your card has expired."},
    {"pm_card_chargeDeclinedIncorrectCvc", B::kIncorrectCvc, "visa", "credit", "0127",
     "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."},
    {"pm_card_chargeDeclinedProcessingError", B::kProcessingError, "visa", "credit", "0119",
     "processing_error", "processing_error",
     "An error occurred while processing your card. Try again in a little bit."},
    {"pm_card_chargeDeclinedLostCard", B::kLostCard, "visa", "credit", "9987", "card_declined",
     "lost_card", kDeclinedMessage},
    {"pm_card_chargeDeclinedStolenCard", B::kStolenCard, "visa", "credit", "9979", "card_declined",
     "stolen_card", kDeclinedMessage},
    {"pm_card_chargeDeclinedFraudulent", B::kFraudulent, "visa", "credit", "0019", "card_declined",
     "fraudulent", kDeclinedMessage},
    {"pm_card_authenticationRequired", B::kAuthRequired, "visa", "credit", "3184", "", "", ""},
    {"pm_card_authenticationRequiredOnSetup", B::kAuthRequired, "visa", "credit", "3155", "", "",
     ""},
    {"pm_card_threeDSecure2Required", B::kAuthRequired, "visa", "credit", "3220", "", "", ""},
    {"pm_card_threeDSecureRequired", B::kAuthRequired, "visa", "credit", "3063", "", "", ""},
}};

}  // namespace

const TestCard* test_cards(std::size_t& count) {
  count = kCards.size();
  return kCards.data();
}

const TestCard* find_test_card(std::string_view name) {
  for (const TestCard& c : kCards)
    if (c.name == name) return &c;
  return nullptr;
}

const TestCard& default_test_card(CardBehaviour b) {
  for (const TestCard& c : kCards)
    if (c.behaviour == b) return c;
  return kCards[0];
}

bool is_declined(CardBehaviour b) { return b != B::kSucceeds && b != B::kAuthRequired; }

bool parse_card_behaviour(std::string_view pm, CardBehaviour& out) {
  const TestCard* c = find_test_card(pm);
  if (c == nullptr) return false;
  out = c->behaviour;
  return true;
}

std::string_view card_test_name(CardBehaviour b) { return default_test_card(b).name; }

}  // namespace checkride
