#include "recorder/stated_amount.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace checkride {
namespace {

constexpr int64_t kMaxCents = 100000000000;  // a billion dollars: past it, not a price

// "1,234.56" -> 123456; -1 when it does not read as dollars and cents.
int64_t cents_of(const std::string& number) {
  int64_t whole = 0, cents = 0;
  std::size_t i = 0;
  for (; i < number.size() && number[i] != '.'; ++i) {
    if (number[i] == ',') continue;
    whole = whole * 10 + (number[i] - '0');
    if (whole * 100 > kMaxCents) return -1;
  }
  if (i < number.size()) {  // ".5" is 50 cents, ".56" is 56
    std::string fraction = number.substr(i + 1) + "00";
    cents = (fraction[0] - '0') * 10 + (fraction[1] - '0');
  }
  return whole * 100 + cents;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

int64_t stated_amount_cents(const std::string& text) {
  if (text.size() > 20000) return -1;  // not a summary a user answers with "yes"
  static const std::regex kAmount(
      R"((?:\$|usd\s?)\s?([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?|[0-9]+(?:\.[0-9]{1,2})?)|([0-9]+(?:\.[0-9]{1,2})?)\s?(?:usd|dollars))",
      std::regex::ECMAScript);
  const std::string s = lower(text);
  const std::size_t total_at = s.rfind("total");
  int64_t largest = -1, after_total = -1;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kAmount); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    int64_t cents = cents_of(m[1].matched ? m[1].str() : m[2].str());
    if (cents < 0) continue;
    largest = std::max(largest, cents);
    std::size_t at = static_cast<std::size_t>(m.position(0));
    if (total_at != std::string::npos && at > total_at && after_total < 0) after_total = cents;
  }
  return after_total >= 0 ? after_total : largest;
}

}  // namespace checkride
