// Money moved, per instrument and kind: what a call (or a session) charged, refunded and
// credited. The recorded side reads it from a tool's result, the sandbox side from the fakes'
// ledgers; a replay compares the two.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace checkride {

enum class MoneyKind : uint8_t { kCharged, kRefunded, kCredited };
const char* money_kind_name(MoneyKind kind);  // "charged", "refunded", "credited"

// Every card a user holds counts as this one instrument, unless the world names it (its
// payment_methods:): the sandbox's own cards are not named as the recording's are. Stored value (a
// gift card, a certificate) keeps its own name.
inline constexpr const char* kAnyCard = "card";
// A recorded amount whose instrument the result does not say: compared on totals.
inline constexpr const char* kAnyInstrument = "";

class MoneyTally {
 public:
  void add(const std::string& instrument, MoneyKind kind, int64_t cents);
  void add(const MoneyTally& other);
  MoneyTally minus(const MoneyTally& earlier) const;
  bool empty() const { return cents_.empty(); }
  int64_t total(MoneyKind kind) const;
  // `recorded` against this (the sandbox): equal per instrument, or per kind in total where
  // the recorded side does not name instruments. Zero entries count as absent.
  bool matches(const MoneyTally& recorded) const;
  // "charged 50.00 to card, refunded 10.00 to gift_card_1"; "nothing" when empty.
  std::string describe() const;
  // {"charged": {"card": 5000}, ...}, cents.
  nlohmann::json to_json() const;
  bool names_instruments() const;  // some amount says its instrument
  MoneyTally totals() const;       // every instrument folded into kAnyInstrument

 private:
  std::map<std::pair<MoneyKind, std::string>, int64_t> cents_;  // no zero entries
};

}  // namespace checkride
