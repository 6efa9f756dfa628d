// Consent as people say it (issue 29, part 3): a table of how users answer a stated amount,
// and how assistants state one. Each row is a phrasing as real users write it.
#include "recorder/consent_reading.h"

#include <gtest/gtest.h>

#include "recorder/stated_amount.h"

namespace checkride {
namespace {

using Answer = ConsentReading::Answer;

struct Phrase {
  const char* text;
  Answer answer;
  int64_t up_to = -1;
};

const Phrase kPhrases[] = {
    // Plain agreement, as typed.
    {"yes", Answer::kYes},
    {"Yes.", Answer::kYes},
    {"YES", Answer::kYes},
    {"yep", Answer::kYes},
    {"yeah sure", Answer::kYes},
    {"Yup, do it", Answer::kYes},
    {"Sure thing", Answer::kYes},
    {"ok", Answer::kYes},
    {"Okay, go ahead.", Answer::kYes},
    {"k", Answer::kYes},
    {"Go ahead", Answer::kYes},
    {"go for it!", Answer::kYes},
    {"Please proceed.", Answer::kYes},
    {"Please do", Answer::kYes},
    {"Confirm", Answer::kYes},
    {"I confirm.", Answer::kYes},
    {"Confirmed", Answer::kYes},
    {"Looks good", Answer::kYes},
    {"Everything looks good!", Answer::kYes},
    {"Sounds good to me", Answer::kYes},
    {"That's fine", Answer::kYes},
    {"That works", Answer::kYes},
    {"Works for me.", Answer::kYes},
    {"Book it", Answer::kYes},
    {"Book that for me", Answer::kYes},
    {"Please book them.", Answer::kYes},
    {"Perfect, thanks", Answer::kYes},
    {"Great, let's do it", Answer::kYes},
    {"Absolutely", Answer::kYes},
    {"Of course", Answer::kYes},
    {"Alright", Answer::kYes},
    {"All right then", Answer::kYes},
    {"No problem, go ahead", Answer::kYes},
    {"Why not", Answer::kYes},
    {"Don't worry about it, just book it", Answer::kYes},
    {"Yes, cancel it.", Answer::kYes},  // agrees to a cancellation
    {"Yes please, add them", Answer::kYes},
    {"I agree", Answer::kYes},
    {"That’s right", Answer::kYes},  // a curly apostrophe
    {"Good to go", Answer::kYes},
    // Refusals, plain and polite.
    {"no", Answer::kNo},
    {"No.", Answer::kNo},
    {"nope", Answer::kNo},
    {"nah", Answer::kNo},
    {"No thanks", Answer::kNo},
    {"No, thank you", Answer::kNo},
    {"Not now", Answer::kNo},
    {"Don't", Answer::kNo},
    {"Please don't book it", Answer::kNo},
    {"Do not charge me", Answer::kNo},
    {"Wait", Answer::kNo},
    {"Hold on, let me check with my wife", Answer::kNo},
    {"Cancel that", Answer::kNo},
    {"Never mind", Answer::kNo},
    {"That's too expensive", Answer::kNo},
    {"Too much for me", Answer::kNo},
    {"That's $1200, which exceeds my budget", Answer::kNo},
    {"That exceeds your budget limit", Answer::kNo},
    {"I can't afford that", Answer::kNo},
    {"I'd rather not", Answer::kNo},
    {"I changed my mind", Answer::kNo},
    {"Forget it", Answer::kNo},
    {"No, cancel that", Answer::kNo},
    {"Not interested", Answer::kNo},
    {"Yes, but that's too expensive", Answer::kNo},  // a refusal holds whatever else is said
    // A yes with a condition holds only under it.
    {"Yes, if it's under $500", Answer::kYes, 50000},
    {"OK as long as it stays below 300 dollars", Answer::kYes, 30000},
    {"Only if it's $99.50 or less", Answer::kYes, 9950},  // a condition is a conditional yes
    {"Sure, only if the total is at most $1,200", Answer::kYes, 120000},
    // Neither: questions and talk.
    {"What colours are there?", Answer::kNeither},
    {"How much is the bag fee?", Answer::kNeither},
    {"Hmm", Answer::kNeither},
    {"Could you tell me more about the refund policy", Answer::kNeither},
};

TEST(ConsentReading, ATableOfHowPeopleAnswerAStatedAmount) {
  int rows = 0;
  for (const auto& p : kPhrases) {
    ConsentReading r = read_consent(p.text);
    EXPECT_EQ(static_cast<int>(r.answer), static_cast<int>(p.answer)) << "'" << p.text << "'";
    if (p.answer == Answer::kYes) {
      EXPECT_EQ(r.up_to_cents, p.up_to) << "'" << p.text << "'";
    }
    ++rows;
  }
  EXPECT_GE(rows, 60);
}

TEST(ConsentReading, AConditionalYesAgreesOnlyUpToItsCeiling) {
  ConsentReading r = read_consent("Yes, if it's under $500");
  EXPECT_TRUE(r.agrees_to(45000));
  EXPECT_TRUE(r.agrees_to(50000));
  EXPECT_FALSE(r.agrees_to(50001));
  EXPECT_FALSE(read_consent("no").agrees_to(100));
  EXPECT_TRUE(read_consent("yes").agrees_to(99999999));
}

struct Stated {
  const char* text;
  int64_t cents;
};

const Stated kStatements[] = {
    {"That comes to $80.", 8000},
    {"Two bags at $35 each, total $70.00", 7000},
    {"The fare is $174 each for 2 passengers. Shall I book?", 34800},
    {"$174 per person for two people", 34800},
    {"Tickets are $99 apiece; three tickets in all?", 29700},
    {"It's $120 per passenger.", 12000},  // no count stated: the price as said
    {"Moving you from $749 to $799 costs the $50 difference. OK?", 5000},
    {"The fare difference, $34.00, is charged to your card", 3400},
    {"That's USD 74 in all", 7400},
    {"It is 74.00 dollars", 7400},
    {"USD 1,999.99", 199999},
    {"Your flight leaves at 10:45 from gate 12", -1},
};

TEST(StatedAmount, TotalsEachTimesTheCountDifferencesAndCurrencyWords) {
  for (const auto& s : kStatements) {
    EXPECT_EQ(stated_amount_cents(s.text), s.cents) << "'" << s.text << "'";
  }
}

}  // namespace
}  // namespace checkride
