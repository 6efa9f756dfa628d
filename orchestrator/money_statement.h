// Where a tool's recorded result states the money its call moved (a catalog action's
// `money:`), and reading it. A replay compares it with what the sandbox's ledgers moved.
//
//   money:                               # the simple form: amounts at JSON pointers
//     charged: /amount_charged
//     refunded: /refund/amount
//     credited: /certificate_amount
//     instrument: /payment_method_id     # in the result; or instrument_param: in the params
//   money:                               # an amount inside a text answer
//     credited: {at: /text, pattern: "with amount ([0-9.]+)"}
//   money:                               # a history the result lists (tau-bench's orders)
//     history: /payment_history
//     object: /order_id                  # whose history: the entries an earlier result of the
//                                        # session listed for it are not this call's
//     entry: {kind: /transaction_type, amount: /amount, instrument: /payment_method_id}
//     kinds: {payment: charged, refund: refunded}
//
// Amounts are in the catalog's `amount_scale` units. An instrument named with one of the
// action's `map.stored_value` prefixes is that stored value; any other is the user's card.
#pragma once
#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "protocol/money_tally.h"

namespace checkride {

// Where one amount is: a JSON pointer into the result, and for a text answer a regular
// expression whose first group is the number.
struct AmountAt {
  std::string pointer;
  std::string pattern;
  std::shared_ptr<const std::regex> regex;
};

struct MoneyStatement {
  std::map<MoneyKind, AmountAt> amounts;  // simple form
  std::string instrument;                 // pointer into the result
  std::string instrument_param;           // pointer into the params
  std::string history, object;            // history form
  std::string entry_kind, entry_amount, entry_instrument;
  std::map<std::string, MoneyKind> kinds;  // an entry's kind word -> what it moved
  bool declared() const { return !amounts.empty() || !history.empty(); }
};

// Parses `money:`; throws InputError naming `field` and what was expected.
MoneyStatement parse_money_statement(const YAML::Node& node, const std::string& origin,
                                     const std::string& field);

// One recorded call, with what came before it in its session (their results), read through
// `statement`. `creates`: the call makes a new object (its whole history is its own).
struct RecordedCall {
  const nlohmann::json* params = nullptr;
  const nlohmann::json* result = nullptr;
  std::vector<const nlohmann::json*> earlier_results;
  bool creates = false;
};

// How a recorded instrument's name is read: stored value (by the tools' prefixes) and the
// cards and wallets the world names keep their names; any other card is kAnyCard.
struct InstrumentNames {
  std::vector<std::string> stored_value_prefixes;
  std::set<std::string> cards;  // the world's payment_methods
};

// What the recorded result says the call moved; false when it says nothing (no pointer
// names a value there, or a value is not an amount).
bool recorded_money(const MoneyStatement& statement, const RecordedCall& call, int64_t scale,
                    const InstrumentNames& names, MoneyTally& out);

}  // namespace checkride
