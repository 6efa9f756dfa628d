#include "protocol/money_tally.h"

#include "protocol/money.h"

namespace checkride {

const char* money_kind_name(MoneyKind kind) {
  switch (kind) {
    case MoneyKind::kCharged:
      return "charged";
    case MoneyKind::kRefunded:
      return "refunded";
    case MoneyKind::kCredited:
      return "credited";
  }
  return "?";
}

void MoneyTally::add(const std::string& instrument, MoneyKind kind, int64_t cents) {
  if (cents == 0) return;
  auto key = std::make_pair(kind, instrument);
  int64_t& sum = cents_[key];
  sum += cents;
  if (sum == 0) cents_.erase(key);
}

void MoneyTally::add(const MoneyTally& other) {
  for (const auto& [key, c] : other.cents_) add(key.second, key.first, c);
}

MoneyTally MoneyTally::minus(const MoneyTally& earlier) const {
  MoneyTally out = *this;
  for (const auto& [key, c] : earlier.cents_) out.add(key.second, key.first, -c);
  return out;
}

int64_t MoneyTally::total(MoneyKind kind) const {
  int64_t sum = 0;
  for (const auto& [key, c] : cents_) sum += key.first == kind ? c : 0;
  return sum;
}

bool MoneyTally::names_instruments() const {
  for (const auto& [key, c] : cents_) {
    if (key.second != kAnyInstrument) return true;
  }
  return false;
}

MoneyTally MoneyTally::totals() const {
  MoneyTally out;
  for (const auto& [key, c] : cents_) out.add(kAnyInstrument, key.first, c);
  return out;
}

bool MoneyTally::matches(const MoneyTally& recorded) const {
  if (!recorded.names_instruments()) return totals().cents_ == recorded.cents_;
  return cents_ == recorded.cents_;
}

std::string MoneyTally::describe() const {
  std::string out;
  for (const auto& [key, c] : cents_) {
    if (!out.empty()) out += ", ";
    out += std::string(money_kind_name(key.first)) + " " + format_cents(c);
    if (!key.second.empty()) out += " to " + key.second;
  }
  return out.empty() ? "nothing" : out;
}

nlohmann::json MoneyTally::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, c] : cents_) {
    j[money_kind_name(key.first)][key.second.empty() ? "any" : key.second] = c;
  }
  return j;
}

}  // namespace checkride
