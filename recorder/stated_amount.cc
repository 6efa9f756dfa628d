#include "recorder/stated_amount.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string>
#include <vector>

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

namespace {

// "two", "3": a small count, else -1.
int count_word(const std::string& w) {
  static const char* const kWords[] = {"zero", "one",   "two",   "three", "four", "five",
                                       "six",  "seven", "eight", "nine",  "ten"};
  for (int i = 0; i <= 10; ++i) {
    if (w == kWords[i]) return i;
  }
  if (w.empty() || w.size() > 2 || w.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoi(w);
}

// How many the text says an "each" price is for: "for 2 people", "two passengers", "x3".
int stated_count(const std::string& s) {
  static const std::set<std::string> kUnits = {
      "people",  "persons", "passengers", "passenger", "travelers", "travellers",
      "tickets", "guests",  "adults",     "seats",     "bags",      "items",
      "units",   "nights",  "rooms",      "of",        "pieces",    "pairs"};
  std::vector<std::string> w;
  std::string cur;
  for (char c : s + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      cur += c;
    } else if (!cur.empty()) {
      w.push_back(cur);
      cur.clear();
    }
  }
  for (std::size_t i = 0; i < w.size(); ++i) {
    const int n = count_word(w[i]);
    if (n >= 2 && i + 1 < w.size() && kUnits.count(w[i + 1])) return n;
    if (n >= 2 && i > 0 && (w[i - 1] == "for" || w[i - 1] == "x" || w[i - 1] == "times")) return n;
  }
  return -1;
}

bool per_unit_after(const std::string& s, std::size_t end) {
  const std::string after = s.substr(end, 24);
  for (const char* w : {" each", " apiece", " per ", "/person", " a person", " a head", " a seat",
                        " a ticket", " a passenger"}) {
    if (after.rfind(w, 0) == 0 || after.find(w) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

int64_t stated_amount_cents(const std::string& text) {
  if (text.size() > 20000) return -1;  // not a summary a user answers with "yes"
  static const std::regex kAmount(
      R"((?:\$|usd\s?)\s?([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?|[0-9]+(?:\.[0-9]{1,2})?)|([0-9]+(?:\.[0-9]{1,2})?)\s?(?:usd|dollars))",
      std::regex::ECMAScript);
  const std::string s = lower(text);
  const std::size_t total_at = s.rfind("total");
  const std::size_t difference_at = s.find("difference");
  int64_t largest = -1, after_total = -1, near_difference = -1, each = -1;
  std::size_t nearest = std::string::npos;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), kAmount); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    int64_t cents = cents_of(m[1].matched ? m[1].str() : m[2].str());
    if (cents < 0) continue;
    largest = std::max(largest, cents);
    const std::size_t at = static_cast<std::size_t>(m.position(0));
    if (total_at != std::string::npos && at > total_at && after_total < 0) after_total = cents;
    if (difference_at != std::string::npos) {
      const std::size_t d = at > difference_at ? at - difference_at : difference_at - at;
      if (d < nearest) {
        nearest = d;
        near_difference = cents;
      }
    }
    if (each < 0 && per_unit_after(s, at + static_cast<std::size_t>(m.length(0)))) each = cents;
  }
  if (after_total >= 0) return after_total;          // "total" names the sum
  if (near_difference >= 0) return near_difference;  // a change costs its difference
  const int count = each >= 0 ? stated_count(s) : -1;
  if (count >= 2 && each <= kMaxCents / count) return each * count;  // "$174 each" for two
  return largest;
}

}  // namespace checkride
