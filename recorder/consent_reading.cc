#include "recorder/consent_reading.h"

#include <cctype>
#include <set>
#include <vector>

#include "recorder/stated_amount.h"

namespace checkride {
namespace {

// Lower-case words (apostrophes kept, curly ones made straight), joined by single spaces and
// padded with one on each side, so a phrase is found as " go ahead ".
std::string padded_words(const std::string& text) {
  std::string out = " ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x99) {  // ’
      out += '\'';
      i += 2;
    } else if (std::isalnum(c) || c == '\'') {
      out += static_cast<char>(std::tolower(c));
    } else if (out.back() != ' ') {
      out += ' ';
    }
  }
  if (out.back() != ' ') out += ' ';
  return out;
}

bool has(const std::string& s, const char* phrase) {
  return s.find(std::string(" ") + phrase + " ") != std::string::npos;
}

bool opens_with(const std::string& s, const char* phrase) {
  return s.rfind(std::string(" ") + phrase + " ", 0) == 0;
}

// Phrases that sound like a refusal but agree, taken out before refusals are looked for.
const char* const kNotRefusals[] = {"no problem",  "no worries", "not a problem", "why not",
                                    "don't worry", "dont worry", "no doubt",      "not at all"};

// Refusals that hold whatever else the turn says ("yes, but that's too expensive").
const char* const kRefusals[] = {
    "too expensive",   "too much",         "too pricey",       "exceeds",      "over my budget",
    "over budget",     "beyond my budget", "out of my budget", "can't afford", "cannot afford",
    "cant afford",     "not worth",        "no thanks",        "no thank you", "never mind",
    "nevermind",       "hold on",          "hold off",         "wait",         "not now",
    "not yet",         "let me think",     "i'll pass",        "ill pass",     "rather not",
    "changed my mind", "cancel that",      "not interested",   "forget it"};

// Words and phrases of agreement.
const char* const kAgreements[] = {"yes",
                                   "yeah",
                                   "yea",
                                   "yep",
                                   "yup",
                                   "ya",
                                   "sure",
                                   "ok",
                                   "okay",
                                   "okey",
                                   "k",
                                   "y",
                                   "confirm",
                                   "confirmed",
                                   "confirming",
                                   "proceed",
                                   "approve",
                                   "approved",
                                   "agree",
                                   "agreed",
                                   "absolutely",
                                   "definitely",
                                   "certainly",
                                   "correct",
                                   "fine",
                                   "great",
                                   "perfect",
                                   "alright",
                                   "all right",
                                   "go ahead",
                                   "go for it",
                                   "do it",
                                   "please do",
                                   "looks good",
                                   "look good",
                                   "looks great",
                                   "sounds good",
                                   "sound good",
                                   "sounds great",
                                   "that works",
                                   "works for me",
                                   "book it",
                                   "book that",
                                   "book them",
                                   "book this",
                                   "book me",
                                   "place it",
                                   "place the order",
                                   "buy it",
                                   "charge it",
                                   "charge me",
                                   "let's do it",
                                   "lets do it",
                                   "make it so",
                                   "of course",
                                   "it's a deal",
                                   "its a deal",
                                   "i'm happy",
                                   "im happy",
                                   "happy with that",
                                   "no problem",
                                   "no worries",
                                   "why not",
                                   "good to go",
                                   "add them",
                                   "add it",
                                   "change it",
                                   "go on",
                                   "ship it",
                                   "sounds right",
                                   "that's right",
                                   "do that",
                                   "thumbs up"};

const char* const kLeadingRefusals[] = {"no", "nope", "nah", "not", "never", "negative"};
const char* const kRefusingWords[] = {"no",      "nope",     "nah",    "not",    "never",
                                      "decline", "declined", "refuse", "cancel", "stop",
                                      "don't",   "dont",     "do not"};

// "if it's under $500", "as long as it stays below 500 dollars": the ceiling, else -1.
int64_t condition_ceiling(const std::string& text) {
  const std::string s = padded_words(text);
  bool conditional = false;
  for (const char* w : {"if", "provided", "as long as", "so long as", "only"}) {
    conditional = conditional || has(s, w);
  }
  if (!conditional) return -1;
  for (const char* w : {"under", "below", "less than", "at most", "up to", "no more than", "max",
                        "maximum", "within", "or less", "or under", "or below"}) {
    if (has(s, w)) return stated_amount_cents(text);
  }
  return -1;
}

bool agrees(const std::string& s) {
  for (const char* p : kAgreements) {
    if (has(s, p)) return true;
  }
  return false;
}

bool opens_agreeing(const std::string& s) {
  for (const char* p : kAgreements) {
    if (opens_with(s, p)) return true;
  }
  return false;
}

}  // namespace

ConsentReading read_consent(const std::string& user_text) {
  ConsentReading r;
  std::string s = padded_words(user_text);
  bool softened = false;  // a "no problem" or "why not": agreement, said with a no
  for (const char* p : kNotRefusals) {
    std::string needle = std::string(" ") + p + " ";
    for (std::size_t at; (at = s.find(needle)) != std::string::npos;) {
      s.replace(at, needle.size(), " ");
      softened = true;
    }
  }
  for (const char* p : kRefusals) {
    if (has(s, p)) {
      r.answer = ConsentReading::Answer::kNo;
      return r;
    }
  }
  // An answer that opens with a yes is a yes ("Yes, cancel it" agrees to a cancellation);
  // one that opens with a no is a no; otherwise any refusing word wins over agreement.
  bool yes = opens_agreeing(s);
  if (!yes) {
    for (const char* w : kLeadingRefusals) {
      if (opens_with(s, w)) {
        r.answer = ConsentReading::Answer::kNo;
        return r;
      }
    }
    for (const char* w : kRefusingWords) {
      if (has(s, w)) {
        r.answer = ConsentReading::Answer::kNo;
        return r;
      }
    }
    yes = softened || agrees(s);
  }
  // "Only if it's $99.50 or less" agrees, within its condition, with no yes word.
  const int64_t ceiling = condition_ceiling(user_text);
  if (yes || ceiling >= 0) {
    r.answer = ConsentReading::Answer::kYes;
    r.up_to_cents = ceiling;
  }
  return r;
}

}  // namespace checkride
