// Payments split across a card and stored value (the airline-support worked example's
// task 5: $300 on a card, $198 on a gift card; task 9: a one-stop for two, $200 from a travel
// certificate and the rest by card): each part is taken exactly once, a balance
// that cannot cover its part is a refusal before any money moves, a part refused after
// others were taken gives them back, and nothing is charged twice under lost answers,
// outages and crashes. And paid extras (task 10) and other flights (task 11) on bookings made
// before the conversation.
#include <gtest/gtest.h>

#include <sstream>

#include "orchestrator/action_catalog.h"
#include "protocol/input_error.h"
#include "simulator/replay.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

constexpr int64_t kGiftPart = 19800;         // task 5, per trial
constexpr int64_t kCardPart = 30000;         // task 5
constexpr int64_t kCertificatePart = 20000;  // task 9 (a one-stop for two), per trial
constexpr int64_t kStoredPerTrial = kGiftPart + kCertificatePart;

struct Airline {
  std::string cassette =
      testing::read_text(testing::source_path("scenarios/cassettes/airline-support.jsonl"));
  std::string world =
      testing::read_text(testing::source_path("scenarios/worlds/airline-support.yaml"));
  std::string faults;
  std::string defect;  // an orchestrator defect switch to turn on
};

ReplayResult replay(const Airline& a, const std::string& name) {
  std::string dir = testing::temp_dir(name);
  ReplayOptions o;
  o.cassette = testing::write_temp(dir, "airline-support.jsonl", a.cassette);
  o.world = testing::write_temp(dir, "world.yaml", a.world);
  o.actions = testing::source_path("scenarios/catalogs/airline-support.yaml");
  if (!a.faults.empty()) o.faults = testing::write_temp(dir, "faults.yaml", a.faults);
  if (!a.defect.empty()) {
    o.scenario = testing::write_temp(
        dir, "scenario.yaml",
        "scenario: split\nworld: {catalog: world.yaml}\norchestrator: {actions: " + o.actions +
            ", defects: [" + a.defect +
            "]}\nworkload: {sessions: 16, mix: [{cassette: airline-support.jsonl}]}\n");
    o.world.clear();
    o.actions.clear();
  }
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  run_replay(o, out, err, &r);
  EXPECT_FALSE(r.sessions.empty()) << err.str();
  return r;
}

// The replayed session of a task's trial ("5:1").
const SessionDivergence& session_of(const ReplayResult& r, int task, int trial) {
  const std::string id = std::to_string(task) + ":" + std::to_string(trial);
  for (const auto& s : r.sessions) {
    if (s.session == id) return s;
  }
  static SessionDivergence none;
  ADD_FAILURE() << "no session " << id;
  return none;
}

const SessionDivergence& task5(const ReplayResult& r, int trial) { return session_of(r, 5, trial); }

double metric(const ReplayResult& r, const char* name) {
  auto it = r.report.metrics.find(name);
  return it == r.report.metrics.end() ? -1 : it->second;
}

int64_t money(const ReplayResult& r, const char* name) {
  auto it = r.report.money.find(name);
  return it == r.report.money.end() ? -1 : it->second;
}

// Raj's R7GC2M was paid $150 from his gift card before the conversations: each of his 8
// sessions starts with that debit, and task 15 cancels it, $75 of the refund going back.
constexpr int64_t kSeededDebited = 8 * 15000;
constexpr int64_t kSeededCredited = 2 * 7500;

// Stored value taken and given back in the sessions, leaving out what paid before them.
int64_t debited_in_sessions(const ReplayResult& r) {
  return money(r, "stored_value_debited") - kSeededDebited;
}
int64_t credited_in_sessions(const ReplayResult& r) {
  return money(r, "stored_value_credited") - kSeededCredited;
}

TEST(SplitPayment, EachPartIsTakenOnceFromItsInstrument) {
  ReplayResult r = replay(Airline{}, "split-plain");
  for (const auto& s : r.sessions) EXPECT_EQ(s.verdict, "same") << s.session << ": " << s.why;
  EXPECT_EQ(debited_in_sessions(r), 2 * kStoredPerTrial);
  EXPECT_EQ(credited_in_sessions(r), 0);
  EXPECT_EQ(metric(r, "money_difference_cents"), 0);
  EXPECT_EQ(r.report.failures_by_step.at("payment.debit").calls, 4u);
  EXPECT_EQ(r.report.failures_by_step.at("payment.balance").calls, 4u);
}

class SplitPaymentUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(SplitPaymentUnderFaults, NoPartIsTakenTwiceOrLeftBehind) {
  Airline a;
  a.faults = GetParam();
  ReplayResult r = replay(a, "split-faults");
  for (const char* m :
       {"duplicate_charges", "charged_without_order", "orphan_holds", "orphan_authorizations",
        "money_difference_cents", "stuck", "consent_violations", "fault_rules_never_fired"}) {
    EXPECT_EQ(metric(r, m), 0) << m;
  }
  // The booking goes through in the end, each part taken once. After a crash the agent may
  // have waited in vain (no answer), but the resumed saga still finished the booking.
  if (std::string(GetParam()).find("crash") == std::string::npos) {
    EXPECT_NE(task5(r, 1).verdict, "diverged") << task5(r, 1).why;
    EXPECT_NE(task5(r, 2).verdict, "diverged") << task5(r, 2).why;
  }
  static const int64_t kBooked = money(replay(Airline{}, "split-base"), "confirmed_totals");
  EXPECT_EQ(money(r, "confirmed_totals"), kBooked) << "every booking stands, as without faults";
  EXPECT_EQ(debited_in_sessions(r) - credited_in_sessions(r), 2 * kStoredPerTrial);
}

INSTANTIATE_TEST_SUITE_P(
    All, SplitPaymentUnderFaults,
    ::testing::Values(
        "[{provider: payment, op: debit, kind: lost_response, nth: 1}]",
        "[{provider: payment, op: balance, kind: lost_response, nth: 1}]",
        "[{provider: booking, op: confirm, kind: lost_response, nth: 1}]",
        "[{provider: payment, op: debit, kind: outage, nth: 1}]",
        "[{provider: orchestrator, op: debit, kind: crash, nth: 1, restart_after: 2s}]",
        "[{provider: orchestrator, op: confirm, kind: crash, nth: 1, restart_after: 2s}]",
        "[{provider: payment, op: debit, kind: lost_response, nth: 1}, "
        "{provider: orchestrator, op: debit, kind: crash, nth: 2, restart_after: 2s}]"));

// The gift card holds $100, not the $198 asked of it: refused before any money moves (no
// authorization, no debit), the seats given back; the recorded success diverges.
TEST(SplitPayment, ABalanceThatCannotCoverItsPartIsRefusedBeforeAnyMoneyMoves) {
  Airline a;
  std::size_t at = a.world.find("balance_cents: 25000");
  ASSERT_NE(at, std::string::npos);
  a.world.replace(at, 20, "balance_cents: 10000");
  ReplayResult r = replay(a, "split-short");
  EXPECT_EQ(task5(r, 1).verdict, "diverged");
  EXPECT_EQ(task5(r, 1).code, "insufficient_balance");
  EXPECT_EQ(r.report.failures_by_step.at("payment.debit").calls, 2u);  // task 9's only
  EXPECT_EQ(debited_in_sessions(r), 2 * kCertificatePart);
  EXPECT_EQ(r.report.failures_by_step.at("payment.authorize").calls, 10u);  // tasks 4, 9-11, 13
  for (const char* m : {"orphan_holds", "charged_without_order", "money_difference_cents"})
    EXPECT_EQ(metric(r, m), 0) << m;
}

// Stored value alone: a $300 certificate and the $198 gift card, no card. The card's steps
// are skipped; when the second debit is declined the first is given back, the hold released.
TEST(SplitPayment, APartRefusedAfterAnotherWasTakenGivesItBack) {
  Airline a;
  for (std::string from : {R"({"payment_id":"credit_card_3310","amount":300})",
                           R"({\"payment_id\": \"credit_card_3310\", \"amount\": 300})"}) {
    std::string to = from;
    to.replace(to.find("credit_card_3310"), 16, "certificate_7001");
    for (std::size_t at; (at = a.cassette.find(from)) != std::string::npos;)
      a.cassette.replace(at, from.size(), to);
  }
  a.world += "  - {id: certificate_7001, user: sofia_kim_7421, balance_cents: 30000}\n";
  ReplayResult paid = replay(a, "split-stored");
  EXPECT_EQ(task5(paid, 1).verdict, "same") << task5(paid, 1).why;
  EXPECT_EQ(debited_in_sessions(paid), 2 * (kStoredPerTrial + kCardPart));
  EXPECT_EQ(paid.report.failures_by_step.at("payment.authorize").calls, 10u);  // 4, 9-11, 13

  a.faults = "[{provider: payment, op: debit, kind: error, status: 402, nth: 2}]";
  ReplayResult r = replay(a, "split-declined");
  EXPECT_EQ(task5(r, 1).verdict, "diverged");
  // Task 5's certificate went first and came back; trial 2 and task 9 paid as asked.
  EXPECT_EQ(debited_in_sessions(r) - credited_in_sessions(r),
            kGiftPart + kCardPart + 2 * kCertificatePart);
  EXPECT_EQ(credited_in_sessions(r), kCardPart);  // the certificate, given back
  for (const char* m :
       {"orphan_holds", "charged_without_order", "money_difference_cents", "duplicate_charges"})
    EXPECT_EQ(metric(r, m), 0) << m;
}

// The checkers see what a lazy orchestrator does: without idempotency keys a lost debit
// answer is retried as a new debit, and the gift card pays twice.
TEST(SplitPayment, ARetriedDebitWithoutAKeyIsADuplicateCharge) {
  Airline a;
  a.faults = "[{provider: payment, op: debit, kind: lost_response, nth: 1}]";
  a.defect = "no_idempotency_keys";
  a.world.replace(a.world.find("balance_cents: 25000"), 20, "balance_cents: 99000");
  ReplayResult r = replay(a, "split-nokeys");
  EXPECT_GE(metric(r, "duplicate_charges"), 1);
}

TEST(SplitPayment, AMappingThatCannotSplitSafelyIsRefused) {
  const char* kHead =
      "actions:\n  - name: pay\n    handler: place_order\n    charge: true\n"
      "    params: {type: object}\n    map: ";
  const std::pair<std::string, std::string> kBad[] = {
      {"{items: /items, payments: /p}", "map.stored_value"},
      {"{items: /items, payments: /p, stored_value: []}", "map.stored_value"},
      {"{items: /items, payments: p, stored_value: [gc_]}", "map.payments"},
  };
  for (const auto& [map, field] : kBad) {
    try {
      ActionCatalog::from_yaml_text(std::string(kHead) + map + "\n", "c.yaml");
      ADD_FAILURE() << map;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  }
  // A declared plan without a debit step cannot take stored value.
  try {
    ActionCatalog::from_yaml_text(
        "sagas: [{name: p, like: place_order, steps: [quote, authorize, commit, capture]}]\n" +
            std::string(kHead).replace(std::string(kHead).find("place_order"), 11, "p") +
            "{items: /items, payments: /p, stored_value: [gc_]}\n",
        "c.yaml");
    ADD_FAILURE() << "a plan without debit took payments";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("debit"), std::string::npos) << e.what();
  }
}

TEST(SplitPayment, ParamsThatCannotBePaidAsAskedAreRefusedByName) {
  ActionCatalog c = ActionCatalog::from_yaml_text(
      "actions:\n  - name: pay\n    handler: place_order\n    charge: true\n"
      "    params: {type: object}\n"
      "    map: {items: /items, payments: /p, stored_value: [gift_], cards: [card_],\n"
      "          amount_scale: 100}\n",
      "c.yaml");
  const ActionSpec& spec = *c.find("pay");
  const std::pair<const char*, const char*> kCases[] = {
      {R"({"p": [{"payment_id": "gift_1"}, {"payment_id": "card_1"}]})", "needs its 'amount'"},
      {R"({"p": [{"payment_id": "paypal_1", "amount": 5}]})", "neither a card nor stored value"},
      {R"({"p": [{"payment_id": "gift_1", "amount": 5}, {"payment_id": "gift_1", "amount": 1}]})",
       "named twice"},
      {R"({"p": [{"payment_id": "gift_1", "amount": -5}]})", "positive amount"},
      {R"({"p": []})", "1 to 16 payments"},
      {R"({"p": [{"amount": 5}]})", "string 'payment_id'"},
  };
  for (const auto& [params, why] : kCases) {
    HandlerInput in;
    std::string error;
    EXPECT_FALSE(c.map_inputs(spec, nlohmann::json::parse(params), in, error)) << params;
    EXPECT_NE(error.find(why), std::string::npos) << params << " -> " << error;
  }
  HandlerInput in;
  std::string error;
  ASSERT_TRUE(
      c.map_inputs(spec,
                   nlohmann::json::parse(R"({"p": [{"payment_id": "gift_1", "amount": 12.5},)"
                                         R"( {"payment_id": "card_1", "amount": 3}]})"),
                   in, error))
      << error;
  ASSERT_EQ(in.payments.size(), 2u);
  EXPECT_TRUE(in.payments[0].stored_value);
  EXPECT_EQ(in.payments[0].amount, 1250);
  EXPECT_FALSE(in.payments[1].stored_value);
  // One instrument by name: a gift card that pays it all.
  HandlerInput one;
  ASSERT_TRUE(c.map_inputs(spec, nlohmann::json::parse(R"({"p": "gift_9"})"), one, error));
  ASSERT_EQ(one.payments.size(), 1u);
  EXPECT_EQ(one.payments[0].amount, -1);
}

// A flight's offer is named by its own fields and by params the itinerary shares (its cabin).
TEST(ChangeCabin, AnOfferNameTakesPartsFromEachFlightAndFromTheParams) {
  ActionCatalog c = ActionCatalog::from_yaml_text(
      "actions:\n  - name: fly\n    handler: create_booking\n"
      "    params: {type: object}\n"
      "    map: {legs: /flights, leg_offer: [number, date, /cabin], seats_count: /pax}\n",
      "c.yaml");
  const ActionSpec& spec = *c.find("fly");
  HandlerInput in;
  std::string error;
  ASSERT_TRUE(c.map_inputs(spec, nlohmann::json::parse(R"({"cabin": "business", "pax": [{}, {}],
      "flights": [{"number": "HA1", "date": "2026-12-10"}, {"number": 7, "date": "2026-12-11"}]})"),
                           in, error))
      << error;
  EXPECT_EQ(in.offer, "HA1-2026-12-10-business");
  ASSERT_EQ(in.connections.size(), 1u);
  EXPECT_EQ(in.connections[0], "7-2026-12-11-business");
  for (const char* params : {R"({"flights": [{"number": "HA1", "date": "d"}]})",
                             R"({"cabin": ["x"], "flights": [{"number": "HA1", "date": "d"}]})"}) {
    HandlerInput bad;
    EXPECT_FALSE(c.map_inputs(spec, nlohmann::json::parse(params), bad, error)) << params;
    EXPECT_NE(error.find("/cabin: expected a string or an integer"), std::string::npos) << error;
  }
  try {
    ActionCatalog::from_yaml_text(
        "actions:\n  - name: fly\n    handler: create_booking\n    params: {type: object}\n"
        "    map: {legs: /flights, leg_offer: [number, /a~2]}\n",
        "c.yaml");
    ADD_FAILURE() << "a bad pointer was taken";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("map.leg_offer"), std::string::npos) << e.what();
  }
}

// Paid extras (task 10: one checked bag each for Mia's two passengers on ZFA04Y, $70 by card)
// on a booking made before the conversation: priced by the airline, consented, paid once,
// under lost answers, an outage and crashes; the booking's own payment is never reused.
class PaidExtrasUnderFaults : public ::testing::TestWithParam<const char*> {};

const SessionDivergence& task10(const ReplayResult& r, int trial) {
  return session_of(r, 10, trial);
}

TEST_P(PaidExtrasUnderFaults, TheBagsArePaidOnce) {
  Airline a;
  a.faults = GetParam();
  ReplayResult r = replay(a, "extras-faults");
  for (const char* m : {"duplicate_charges", "duplicate_authorizations", "charged_without_order",
                        "orphan_authorizations", "money_difference_cents", "stuck",
                        "consent_violations", "escalations"}) {
    EXPECT_EQ(metric(r, m), 0) << m;
  }
  if (*GetParam() != '\0') {
    EXPECT_EQ(metric(r, "fault_rules_never_fired"), 0);
  }
  if (*GetParam() == '\0' || std::string(GetParam()).find("crash") == std::string::npos) {
    EXPECT_NE(task10(r, 1).verdict, "diverged") << task10(r, 1).why;
  }
  static const int64_t kBooked = money(replay(Airline{}, "extras-base"), "confirmed_totals");
  EXPECT_EQ(money(r, "confirmed_totals"), kBooked) << "both trials' bags stand, once";
}

INSTANTIATE_TEST_SUITE_P(
    All, PaidExtrasUnderFaults,
    ::testing::Values("", "[{provider: booking, op: add_extras, kind: lost_response, nth: 1}]",
                      "[{provider: booking, op: quote_extras, kind: lost_response, nth: 1}]",
                      "[{provider: payment, op: authorize, kind: lost_response, nth: 4}]",
                      "[{provider: booking, op: add_extras, kind: outage, nth: 1}]",
                      "[{provider: orchestrator, op: add_extras, kind: crash, nth: 1, "
                      "restart_after: 2s}]"));

// A flight that sells no paid bags refuses them, and nothing is charged; without the user's
// yes for the fee nothing is charged either.
TEST(PaidExtras, BagsAFlightDoesNotSellOrTheUserDidNotAgreeToChargeNothing) {
  Airline no_bags;
  std::size_t at = no_bags.world.find("HAT002-2026-12-12");
  ASSERT_NE(at, std::string::npos);
  std::size_t fee = no_bags.world.find("bag_price_cents: 3500", at);
  no_bags.world.replace(fee, 21, "bag_price_cents: 0");
  ReplayResult r = replay(no_bags, "extras-none");
  EXPECT_EQ(task10(r, 1).verdict, "diverged");
  EXPECT_EQ(task10(r, 1).code, "bad_request") << task10(r, 1).why;
  static const int64_t kBooked = money(replay(Airline{}, "extras-base2"), "confirmed_totals");
  EXPECT_EQ(money(r, "confirmed_totals"), kBooked - 2 * 7000);
  EXPECT_EQ(metric(r, "money_difference_cents"), 0);

  Airline no_yes;
  std::string from = R"("text":"Yes, add them.")";
  ASSERT_NE(no_yes.cassette.find(from), std::string::npos);
  for (std::size_t i; (i = no_yes.cassette.find(from)) != std::string::npos;)
    no_yes.cassette.replace(i, from.size(), R"("text":"Hmm.")");
  // The imported consent events for the fee go too.
  std::string consent = R"("granted":true,"amount_cents":7000)";
  for (std::size_t i; (i = no_yes.cassette.find(consent)) != std::string::npos;)
    no_yes.cassette.replace(i, consent.size(), R"("granted":false,"amount_cents":7000)");
  ReplayResult refused = replay(no_yes, "extras-no-yes");
  EXPECT_EQ(task10(refused, 1).sandbox, "needs_confirmation") << task10(refused, 1).why;
  EXPECT_EQ(money(refused, "confirmed_totals"), kBooked - 2 * 7000);
  EXPECT_EQ(metric(refused, "consent_violations"), 0);
}

// Other flights for a booking made before the conversation (task 11: Sofia's Q9X2LP in
// business from HAT004 at $749 to HAT006 at $799): the $50 difference is consented, charged once,
// and the airline moves the booking at once, under lost answers, an outage and a crash.
class ChangeFlightsUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(ChangeFlightsUnderFaults, TheDifferenceIsPaidOnceAndTheBookingMovesWhole) {
  Airline a;
  a.faults = GetParam();
  ReplayResult r = replay(a, "exchange-faults");
  for (const char* m : {"duplicate_charges", "duplicate_authorizations", "charged_without_order",
                        "orphan_authorizations", "money_difference_cents", "stuck",
                        "consent_violations", "escalations", "oversold_units"}) {
    EXPECT_EQ(metric(r, m), 0) << m;
  }
  if (*GetParam() != '\0') {
    EXPECT_EQ(metric(r, "fault_rules_never_fired"), 0);
  }
  if (std::string(GetParam()).find("crash") == std::string::npos) {
    EXPECT_NE(session_of(r, 11, 1).verdict, "diverged") << session_of(r, 11, 1).why;
  }
  static const int64_t kBooked = money(replay(Airline{}, "exchange-base"), "confirmed_totals");
  EXPECT_EQ(money(r, "confirmed_totals"), kBooked);
}

INSTANTIATE_TEST_SUITE_P(
    All, ChangeFlightsUnderFaults,
    ::testing::Values("", "[{provider: booking, op: exchange, kind: lost_response, nth: 1}]",
                      "[{provider: booking, op: quote_exchange, kind: lost_response, nth: 1}]",
                      "[{provider: booking, op: exchange, kind: outage, nth: 1}]",
                      "[{provider: orchestrator, op: exchange, kind: crash, nth: 1, "
                      "restart_after: 2s}]"));

// A cheaper flight refunds the difference to what paid the booking, and charges nothing; a
// full one is refused and leaves the old flight booked, nothing charged.
TEST(ChangeFlights, ACheaperFlightRefundsTheDifferenceAFullOneChangesNothing) {
  static const int64_t kBooked = money(replay(Airline{}, "exchange-base2"), "confirmed_totals");
  static const int64_t kRefunded = money(replay(Airline{}, "exchange-base3"), "refunded");
  Airline cheaper;
  const std::string from = R"("flight_number":"HAT006","date":"2026-12-15")";
  ASSERT_NE(cheaper.cassette.find(from), std::string::npos);
  for (std::size_t i; (i = cheaper.cassette.find(from)) != std::string::npos;)
    cheaper.cassette.replace(i, from.size(), R"("flight_number":"HAT007","date":"2026-12-16")");
  ReplayResult down = replay(cheaper, "exchange-cheaper");
  // The answers are the recorded ones; the money is not (production charged $50 more).
  EXPECT_EQ(session_of(down, 11, 1).code, "amount_differs") << session_of(down, 11, 1).why;
  // HAT007 in business is $649: $100 back per trial instead of $50 more.
  EXPECT_EQ(money(down, "refunded"), kRefunded + 2 * 10000) << "$100 back per trial";
  EXPECT_EQ(money(down, "confirmed_totals"), kBooked - 2 * 5000 - 2 * 10000);
  EXPECT_EQ(metric(down, "money_difference_cents"), 0);

  Airline full;
  std::size_t at = full.world.find("HAT006-2026-12-15-business");
  ASSERT_NE(at, std::string::npos);
  std::size_t cap = full.world.find("capacity: 500", at);
  full.world.replace(cap, 13, "capacity: 0");
  ReplayResult refused = replay(full, "exchange-full");
  EXPECT_EQ(session_of(refused, 11, 1).verdict, "diverged");
  EXPECT_EQ(session_of(refused, 11, 1).code, "out_of_stock") << session_of(refused, 11, 1).why;
  EXPECT_EQ(money(refused, "confirmed_totals"), kBooked - 2 * 5000) << "the old flight stands";
  EXPECT_EQ(metric(refused, "money_difference_cents"), 0);
  EXPECT_EQ(metric(refused, "orphan_authorizations"), 0);
}

// Another cabin on the same flights is the same tool (each cabin of a flight is its own
// offer, `leg_offer: [flight_number, date, /cabin]`): task 13 moves Omar's K1NW8N from economy
// ($249) to business ($689) for $440 charged once; task 14 moves Sofia's Q9X2LP from business
// ($749) to economy ($289) and refunds $460 to what paid it. Under lost answers, an outage and
// a crash no one pays twice and the booking moves whole.
class ChangeCabinUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(ChangeCabinUnderFaults, AnUpgradeIsChargedOnceADowngradeRefundedOnce) {
  static const ReplayResult base = replay(Airline{}, "cabin-base");
  Airline a;
  a.faults = GetParam();
  ReplayResult r = replay(a, "cabin-faults");
  for (const char* m : {"duplicate_charges", "duplicate_authorizations", "charged_without_order",
                        "order_without_charge", "orphan_authorizations", "money_difference_cents",
                        "stuck", "consent_violations", "false_success"}) {
    EXPECT_EQ(metric(r, m), 0) << m;
  }
  if (*GetParam() != '\0') {
    EXPECT_EQ(metric(r, "fault_rules_never_fired"), 0);
  }
  if (std::string(GetParam()).find("crash") == std::string::npos) {
    for (int task : {13, 14}) {
      EXPECT_EQ(session_of(r, task, 1).verdict, "same") << task << session_of(r, task, 1).why;
    }
  }
  EXPECT_EQ(money(r, "confirmed_totals"), money(base, "confirmed_totals"));
  EXPECT_EQ(money(r, "refunded"), money(base, "refunded"));
}

INSTANTIATE_TEST_SUITE_P(
    All, ChangeCabinUnderFaults,
    ::testing::Values("", "[{provider: booking, op: exchange, kind: lost_response, nth: 1}]",
                      "[{provider: payment, op: capture, kind: lost_response, nth: 5}]",
                      "[{provider: payment, op: refund, kind: lost_response, nth: 4}]",
                      "[{provider: booking, op: exchange, kind: outage, nth: 3}]",
                      "[{provider: orchestrator, op: exchange, kind: crash, nth: 3, "
                      "restart_after: 2s}]"));

TEST(ChangeCabin, TheFareDifferenceOfEachWayIsWhatMoves) {
  ReplayResult with = replay(Airline{}, "cabin-with");
  Airline without;  // the same sessions with tasks 13 and 14 left out
  std::istringstream lines(without.cassette);
  std::string kept, line;
  while (std::getline(lines, line)) {
    if (line.find("\"session\":\"13:") == std::string::npos &&
        line.find("\"session\":\"14:") == std::string::npos) {
      kept += line + "\n";
    }
  }
  ASSERT_LT(kept.size(), without.cassette.size());
  without.cassette = kept;
  ReplayResult r = replay(without, "cabin-without");
  EXPECT_EQ(money(with, "captured") - money(r, "captured"), 2 * (44000 + 74900 + 24900))
      << "two upgrades, and both bookings paid before the session";
  EXPECT_EQ(money(with, "refunded") - money(r, "refunded"), 2 * 46000) << "two downgrades";
  EXPECT_EQ(metric(with, "money_difference_cents"), 0);
}

// Business on HAT001 is full: the upgrade is refused before anything is charged and the
// economy booking stands; the recorded success diverges.
TEST(ChangeCabin, AFullCabinChangesAndChargesNothing) {
  static const ReplayResult base = replay(Airline{}, "cabin-base2");
  Airline full;
  std::size_t at = full.world.find("HAT001-2026-12-10-business");
  ASSERT_NE(at, std::string::npos);
  full.world.replace(full.world.find("capacity: 500", at), 13, "capacity: 0");
  ReplayResult r = replay(full, "cabin-full");
  for (int trial : {1, 2}) {
    EXPECT_EQ(session_of(r, 13, trial).verdict, "diverged");
    EXPECT_EQ(session_of(r, 13, trial).code, "out_of_stock") << session_of(r, 13, trial).why;
  }
  EXPECT_EQ(money(r, "captured"), money(base, "captured") - 2 * 44000);
  EXPECT_EQ(money(r, "confirmed_totals"), money(base, "confirmed_totals") - 2 * 44000);
  for (const char* m : {"orphan_authorizations", "money_difference_cents", "order_without_charge"})
    EXPECT_EQ(metric(r, m), 0) << m;
}

// Raj's R7GC2M (2 x $259 on HAT007) was paid $150 from his gift card and $368 by card before
// the conversations; task 15 cancels it and the fare refunds half, $259: $75 goes back to the
// gift card and $184 to the card, once each, under lost answers, an outage and a crash.
class PaidWithStoredValueBeforeUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(PaidWithStoredValueBeforeUnderFaults, EachPartGetsItsShareBackOnce) {
  static const ReplayResult base = replay(Airline{}, "seeded-sv-base");
  Airline a;
  a.faults = GetParam();
  ReplayResult r = replay(a, "seeded-sv-faults");
  for (const char* m : {"duplicate_charges", "charged_without_order", "money_difference_cents",
                        "stuck", "escalations", "false_success"}) {
    EXPECT_EQ(metric(r, m), 0) << m;
  }
  if (*GetParam() != '\0') {
    EXPECT_EQ(metric(r, "fault_rules_never_fired"), 0);
  }
  EXPECT_NE(session_of(r, 15, 1).verdict, "diverged") << session_of(r, 15, 1).why;
  EXPECT_EQ(money(r, "stored_value_credited"), money(base, "stored_value_credited"));
  EXPECT_EQ(money(r, "refunded"), money(base, "refunded"));
}

INSTANTIATE_TEST_SUITE_P(
    All, PaidWithStoredValueBeforeUnderFaults,
    ::testing::Values("", "[{provider: payment, op: credit, kind: lost_response, nth: 1}]",
                      "[{provider: payment, op: credit, kind: outage, nth: 1}]",
                      "[{provider: booking, op: find_booking, kind: lost_response, nth: 1}]",
                      "[{provider: orchestrator, op: credit, kind: crash, nth: 1, "
                      "restart_after: 2s}]",
                      "[{provider: orchestrator, op: refund, kind: crash, nth: 1, "
                      "restart_after: 2s}]"));

TEST(PaidWithStoredValueBefore, EachPartGetsItsShareAndAllStoredValueGetsAllOfIt) {
  ReplayResult r = replay(Airline{}, "seeded-sv-shares");
  EXPECT_EQ(credited_in_sessions(r), 0);
  EXPECT_EQ(money(r, "stored_value_credited"), 2 * 7500);
  // Paid by the gift card alone (its whole $518): all of the $259 goes back to it.
  Airline all;
  const std::string from = "amount_cents: 15000";
  all.world.replace(all.world.find(from), from.size(), "amount_cents: 51800");
  ReplayResult only = replay(all, "seeded-sv-only");
  // The recording refunded $184 to the card and $75 to the gift card; here all $259 goes
  // to the gift card, which the verdict says.
  EXPECT_EQ(session_of(only, 15, 1).code, "amount_differs") << session_of(only, 15, 1).why;
  EXPECT_EQ(money(only, "stored_value_credited"), 2 * 25900);
  EXPECT_EQ(money(only, "refunded"), money(r, "refunded"));
  EXPECT_EQ(metric(only, "money_difference_cents"), 0);
}

// Sofia's Q9X2LP ($749 in business) paid $100 of it from her gift card before the
// conversations, in a world that splits refunds `order` ("": the default, in proportion).
Airline downgrade_paid_partly_by_gift_card(const std::string& order) {
  Airline a;
  const std::string from = "offer: HAT004-2026-12-14-business, seats: 1";
  a.world.replace(a.world.find(from), from.size(),
                  from + ", paid_stored_value: [{id: gift_card_5501, amount_cents: 10000}]");
  if (!order.empty()) a.world += "refunds: {order: " + order + "}\n";
  return a;
}

// Task 14 moves Q9X2LP to economy ($289): $460 is owed back. It was refused
// split_refund_unsupported before anything moved, a false "diverged" wherever stored value
// had paid. Each part now gets its share, by the order the world states; the recording
// refunded the card alone, which is what a card-first business does.
TEST(PaidWithStoredValueBefore, AChangeOwingMoneyBackGivesEachPartItsShare) {
  static const ReplayResult base = replay(Airline{}, "seeded-sv-base2");
  const struct {
    const char* order;
    const char* sandbox;
    int64_t to_gift_card;
  } kOrders[] = {
      {"", "refunded 398.59 to card, refunded 61.41 to gift_card_5501", 6141},
      {"card_first", "refunded 460.00 to card", 0},
      {"stored_value_first", "refunded 360.00 to card, refunded 100.00 to gift_card_5501", 10000},
  };
  for (const auto& o : kOrders) {
    SCOPED_TRACE(std::string("refund order '") + o.order + "'");
    ReplayResult r =
        replay(downgrade_paid_partly_by_gift_card(o.order), std::string("sv-change-") + o.order);
    for (int trial : {1, 2}) {
      const SessionDivergence& s = session_of(r, 14, trial);
      EXPECT_EQ(s.money_sandbox.describe(), o.sandbox) << s.why;
      EXPECT_EQ(s.verdict, o.to_gift_card == 0 ? "same" : "diverged") << s.why;
      if (o.to_gift_card != 0) {
        EXPECT_EQ(s.code, "amount_differs") << s.why;
      }
    }
    // Every cent owed back goes back, to the card or re-credited to the gift card (the
    // world's order splits the cancels of tasks 3 and 15 too).
    EXPECT_EQ(money(r, "refunded"), money(base, "refunded"));
    EXPECT_EQ(metric(r, "money_difference_cents"), 0);
    EXPECT_EQ(metric(r, "orphan_authorizations"), 0);
    EXPECT_EQ(metric(r, "duplicate_charges"), 0);
    EXPECT_EQ(metric(r, "escalations"), 0);
    EXPECT_EQ(session_of(r, 11, 1).verdict, "same") << "a change that costs more owes nothing back";
  }
}

// The same downgrade under a lost answer, an outage and crashes at each step that gives money
// back: every part gets its share once, as without faults.
class ChangeOwingMoneyBackUnderFaults : public ::testing::TestWithParam<const char*> {};

TEST_P(ChangeOwingMoneyBackUnderFaults, EachPartGetsItsShareOnce) {
  static const ReplayResult clean =
      replay(downgrade_paid_partly_by_gift_card(""), "sv-change-clean");
  Airline a = downgrade_paid_partly_by_gift_card("");
  a.faults = GetParam();
  ReplayResult r = replay(a, "sv-change-faults");
  for (const char* m : {"duplicate_charges", "money_difference_cents", "orphan_authorizations",
                        "stuck", "escalations", "false_success"}) {
    EXPECT_EQ(metric(r, m), 0) << m;
  }
  EXPECT_EQ(metric(r, "fault_rules_never_fired"), 0);
  EXPECT_EQ(session_of(r, 14, 1).money_sandbox.describe(),
            session_of(clean, 14, 1).money_sandbox.describe())
      << session_of(r, 14, 1).why;
  EXPECT_EQ(money(r, "stored_value_credited"), money(clean, "stored_value_credited"));
  EXPECT_EQ(money(r, "refunded"), money(clean, "refunded"));
}

INSTANTIATE_TEST_SUITE_P(
    All, ChangeOwingMoneyBackUnderFaults,
    ::testing::Values("[{provider: payment, op: credit, kind: lost_response, nth: 1}]",
                      "[{provider: payment, op: credit, kind: outage, nth: 1}]",
                      "[{provider: booking, op: exchange, kind: lost_response, nth: 1}]",
                      "[{provider: orchestrator, op: credit, kind: crash, nth: 1, "
                      "restart_after: 2s}]",
                      "[{provider: orchestrator, op: refund, kind: crash, nth: 1, "
                      "restart_after: 2s}]"));

TEST(PaidWithStoredValueBefore, TheDumpedWorldKeepsWhatPaidAndReplaysTheSame) {
  std::string dir = testing::temp_dir("seeded-sv-dump");
  ReplayOptions o;
  o.cassette = testing::source_path("scenarios/cassettes/airline-support.jsonl");
  o.world = testing::source_path("scenarios/worlds/airline-support.yaml");
  o.actions = testing::source_path("scenarios/catalogs/airline-support.yaml");
  o.dump_world = dir + "/dumped.yaml";
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult first;
  run_replay(o, out, err, &first);
  EXPECT_NE(testing::read_text(o.dump_world).find("paid_stored_value"), std::string::npos);
  o.world = o.dump_world;
  o.dump_world = dir + "/again.yaml";
  ReplayResult second;
  run_replay(o, out, err, &second);
  EXPECT_EQ(second.report.money, first.report.money);
  EXPECT_EQ(money(second, "stored_value_credited"), 2 * 7500);
  EXPECT_EQ(testing::read_text(dir + "/dumped.yaml"), testing::read_text(dir + "/again.yaml"));
}

TEST(PaidWithStoredValueBefore, AWorldThatCannotHaveBeenPaidSoIsRefusedByField) {
  const std::string kBooking =
      "  - {reference: R7GC2M, user: raj_patel_5512, offer: "
      "HAT007-2026-12-16-economy, seats: 2, paid_stored_value: ";
  const std::pair<std::string, std::string> kBad[] = {
      {"[{id: gift_card_9999, amount_cents: 100}]", "instrument of the world's stored_value"},
      {"[{id: gift_card_5501, amount_cents: 100}]", "user 'raj_patel_5512'"},
      {"[{id: gift_card_7702, amount_cents: 60000}]", "more than the 51800"},
      {"[{id: gift_card_7702, amount_cents: 0}]", "amount_cents"},
      {"[{id: gift_card_7702, amount_cents: 1}, {id: gift_card_7702, amount_cents: 2}]",
       "named twice"},
      {"[]", "1 to 16"},
      {"[{id: gift_card_7702}]", "amount_cents"},
  };
  for (const auto& [parts, why] : kBad) {
    Airline a;
    std::size_t at = a.world.find("  - {reference: R7GC2M");
    a.world.replace(at, a.world.find('\n', at) - at, kBooking + parts + "}");
    std::string dir = testing::temp_dir("seeded-sv-bad");
    ReplayOptions o;
    o.cassette = testing::write_temp(dir, "c.jsonl", a.cassette);
    o.world = testing::write_temp(dir, "world.yaml", a.world);
    o.actions = testing::source_path("scenarios/catalogs/airline-support.yaml");
    o.out_dir = dir;
    o.quiet = true;
    std::ostringstream out, err;
    EXPECT_EQ(run_replay(o, out, err), 2) << parts;
    EXPECT_NE(err.str().find("world.yaml"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("paid_stored_value"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find(why), std::string::npos) << parts << " -> " << err.str();
  }
}

// A world's money rules (refund order, payment parts): written back by --dump-world, and a
// value outside each rule's list is an error naming the file and the field.
TEST(PaidWithStoredValueBefore, TheWorldsMoneyRulesAreDumpedBackAndBadOnesRefusedByField) {
  std::string dir = testing::temp_dir("refund-order-world");
  ReplayOptions o;
  o.cassette = testing::write_temp(dir, "c.jsonl", Airline{}.cassette);
  o.world = testing::write_temp(
      dir, "world.yaml",
      downgrade_paid_partly_by_gift_card("stored_value_first").world + "payment: {parts: exact}\n");
  o.actions = testing::source_path("scenarios/catalogs/airline-support.yaml");
  o.dump_world = dir + "/dumped.yaml";
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  run_replay(o, out, err);
  EXPECT_NE(testing::read_text(o.dump_world).find("refunds: {order: stored_value_first}"),
            std::string::npos);
  EXPECT_NE(testing::read_text(o.dump_world).find("payment: {parts: exact}"), std::string::npos);

  o.world = testing::write_temp(dir, "bad.yaml",
                                downgrade_paid_partly_by_gift_card("biggest_first").world);
  o.dump_world.clear();
  std::ostringstream out2, err2;
  EXPECT_EQ(run_replay(o, out2, err2), 2);
  EXPECT_NE(err2.str().find("bad.yaml"), std::string::npos) << err2.str();
  EXPECT_NE(err2.str().find("refunds.order"), std::string::npos) << err2.str();
  EXPECT_NE(err2.str().find("card_first"), std::string::npos) << err2.str();

  o.world =
      testing::write_temp(dir, "bad-payment.yaml", Airline{}.world + "payment: {parts: roughly}\n");
  std::ostringstream out3, err3;
  EXPECT_EQ(run_replay(o, out3, err3), 2);
  EXPECT_NE(err3.str().find("payment.parts"), std::string::npos) << err3.str();
  EXPECT_NE(err3.str().find("at_most or exact"), std::string::npos) << err3.str();
}

// The repeat arrives 250 ms after the first: the issuer answers slower than that, so the
// repeat finds the first still at work.
#define SLOW_ISSUE "{provider: payment, op: issue_credit, kind: latency, delay: {fixed: 1s}}"

// A certificate given as a gesture (task 12: $50 for Raj): money the airline gives away, so
// exactly one a session, under a lost answer and a repeat under a new key; without
// idempotency keys or semantic de-duplication the checkers see the second one.
TEST(Certificates, OneIsIssuedOnceWhateverTheAnswerOrTheRepeat) {
  for (const char* faults :
       {"", "[{provider: payment, op: issue_credit, kind: lost_response, nth: 1}]",
        "[{provider: agent, op: send_certificate, kind: duplicate_action, new_key: true, "
        "probability: 1}, " SLOW_ISSUE "]"}) {
    Airline a;
    a.faults = faults;
    ReplayResult r = replay(a, "credit");
    EXPECT_EQ(metric(r, "duplicate_credits"), 0) << faults;
    EXPECT_EQ(money(r, "stored_value_issued"), 2 * 5000) << faults;
    EXPECT_NE(session_of(r, 12, 1).verdict, "diverged") << faults << session_of(r, 12, 1).why;
  }
  const std::pair<const char*, const char*> kLazy[] = {
      {"no_idempotency_keys",
       "[{provider: payment, op: issue_credit, kind: lost_response, nth: 1}]"},
      {"no_semantic_dedupe",
       "[{provider: agent, op: send_certificate, kind: duplicate_action, new_key: true, "
       "probability: 1}, " SLOW_ISSUE "]"},
  };
  for (const auto& [defect, faults] : kLazy) {
    Airline a;
    a.defect = defect;
    a.faults = faults;
    ReplayResult r = replay(a, "credit-lazy");
    EXPECT_GE(metric(r, "duplicate_credits"), 1) << defect;
  }
}

}  // namespace
}  // namespace checkride
