// What a user's turn says to an amount the assistant stated: yes, no, or neither; and a yes
// that holds only up to an amount ("yes, if it's under $500"). The words people use, not a
// fixed list of "yes" spellings: "looks good", "book that for me", "go for it" agree; "too
// expensive", "that exceeds my budget", "wait", "cancel that" refuse. docs/recording.md lists
// the rules.
#pragma once
#include <cstdint>
#include <string>

namespace checkride {

struct ConsentReading {
  enum class Answer { kNeither, kYes, kNo };
  Answer answer = Answer::kNeither;
  int64_t up_to_cents = -1;  // a conditional yes: it holds for amounts up to this; -1 none
  // Whether it agrees to `amount_cents`: a yes, within its condition.
  bool agrees_to(int64_t amount_cents) const {
    return answer == Answer::kYes && (up_to_cents < 0 || amount_cents <= up_to_cents);
  }
};

ConsentReading read_consent(const std::string& user_text);

}  // namespace checkride
