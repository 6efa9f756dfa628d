#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orchestrator/money_statement.h"
#include "orchestrator/saga_plans.h"
#include "protocol/provider.h"

namespace valijson {
class Schema;
}

namespace checkride {

// The built-in handlers an action can be mapped onto.
enum class Handler : uint8_t {
  kSearchCatalog,
  kPreviewOrder,
  kPlaceOrder,
  kCancelOrder,
  kSearchAvailability,
  kCreateBooking,
  kConfirmBooking,
  kCancelBooking,
  kFindBooking,  // read-only: a booking of the user's by reference, from the booking provider
  kLookup,       // read-only, no provider: a read of the team's own systems (see docs)
  kChangeBooking,
  kChangeOrder,
  kReturnOrder,    // some of a delivered order's items back, refunded to what paid
  kAddExtras,      // paid extras (checked bags) on a confirmed booking
  kChangeFlights,  // a confirmed booking onto other flights, the fare difference paid or owed
  kModifyItems,    // a pending order's items for others, the difference paid or owed
  kExchangeItems,  // a delivered order's items for others (an exchange), likewise
  kChangePayment,  // a pending order paid by another instrument, the old payment refunded
  kIssueCredit,    // a travel certificate (stored value) given to the user, once
  kChangeProfile,  // the user's own details (an address) at the shop, written once
};
const char* handler_name(Handler h);
// Whether an action of this handler makes a new object (an order, a booking): its recorded
// result hands back an id of its own, which later calls use.
bool creates_new_object(Handler h);

// One way the model said to pay: a card (the session's vaulted payment method) or a
// stored-value instrument (a gift card, a travel certificate), by the tools' own name.
struct TenderInput {
  std::string instrument;
  int64_t amount = -1;  // minor units; -1: not stated (it pays the rest)
  bool stored_value = false;
};

// What a handler needs, pulled out of the model's params by the action's mapping.
struct HandlerInput {
  std::vector<LineItem> items;
  std::string coupon;
  std::string query;
  std::string offer;
  std::string reference;
  std::string details;     // change_order: the new details (a string, or JSON text of an object)
  std::string reason;      // a cancel's stated reason, which the world's rules may restrict
  int64_t max_total = -1;  // -1: the model stated no maximum
  int32_t seats = 1;
  std::vector<TenderInput> payments;     // empty: the card pays it all
  std::vector<std::string> connections;  // an itinerary's flights after `offer`
  int32_t extras = 0;                    // add_extras: how many (checked bags per passenger)
  // book, add_extras: the world's extras by id at the booking's new count, sorted by id.
  std::vector<LineItem> declared_extras;
  std::vector<LineItem> new_items;  // a swap of items: what replaces `items`
  int64_t credit = 0;               // issue_credit: the certificate's value
};

// Where each handler input comes from: JSON pointers into params. For items, `items`
// points at an array and `item_sku`/`item_quantity` name the fields of each element; a
// single-item action can instead map `sku` and `quantity` directly.
// Tool sets shaped differently map too: `seats_count` points at an array whose length is
// the seat count (a passenger list), and `max_total_sum` at an array whose elements'
// `max_total_field` add up to the most the user agreed to pay (split payment methods).
struct ParamMapping {
  std::string items, item_sku = "sku", item_quantity = "quantity";
  std::string sku, quantity;
  std::string coupon, max_total, query, offer, reference, seats, details, reason;
  std::string seats_count, max_total_sum, max_total_field = "amount_cents";
  // Minor units per unit of the params' money (max_total, max_total_sum): 1 when the tools
  // speak cents, 100 when they speak dollars (decimals allowed, rounded to the cent). 0: the
  // catalog's `amount_scale:` (default 1).
  int64_t amount_scale = 0;
  // query, offer, reference and details composed from several params: their values
  // (strings or integers) joined with `join` (`query: [/origin, /destination]` reads
  // "SFO-JFK").
  std::map<std::string, std::vector<std::string>> composed;
  std::string join = "-";
  // A payment split across instruments: `payments` points at a list of {instrument, amount}
  // (fields `payment_instrument`, `payment_amount`) or at one instrument's name. An
  // instrument whose name begins with a `stored_value` prefix is debited from its balance;
  // any other is the session's card, which pays the rest. With `cards` prefixes, a name
  // matching neither is refused.
  std::string payments, payment_instrument = "payment_id", payment_amount = "amount";
  std::vector<std::string> stored_value_prefixes, card_prefixes;
  // An itinerary: `legs` points at a list of flights, each named by its `leg_offer` fields
  // (joined with `join`, e.g. [flight_number, date]); the first is the offer, the rest its
  // connections, every one for the same passengers.
  std::string legs;
  std::vector<std::string> leg_offer;
  // `skus` points at a list of SKU names, one unit each (a return's item ids).
  std::string skus;
  std::string extras;  // an integer: how many paid extras (checked bags) to add
  // Or the world's declared extras by id, each pointing at the booking's new count of it
  // (docs/worlds.md `extras:`); they travel as the call's items.
  std::vector<std::pair<std::string, std::string>> declared_extras;
  std::string new_skus;  // a swap of items: the SKUs that replace `skus`, one unit each
  std::string credit;    // issue_credit: the certificate's value, in the tools' money
};

struct ActionSpec {
  std::string name;
  std::string description;
  Handler handler;
  uint8_t plan = 0;  // the saga plan it starts (ActionCatalog::plan), for saga handlers
  bool charge = false;
  uint32_t scopes = 0;
  ParamMapping mapping;
  // Lookups: what a successful recorded result describes, read with the same mapping keys
  // from the result instead of the params (a reservation's reference, offer, seats and what
  // was paid). A replay without a world file seeds the booking it describes.
  ParamMapping result_mapping;
  bool describes_booking = false;
  // Where its recorded result states the money the call moved (`money:`); a replay compares
  // it with the sandbox's ledgers.
  MoneyStatement money;
  // Where a creating call's recorded result names the new object's id (`result_id:`, a
  // JSON pointer), under whatever name the tools use; "" for the usual names.
  std::string result_id;
  nlohmann::json schema_json;
  std::shared_ptr<valijson::Schema> schema;
};

// Actions are declared, not hard-coded: a YAML file lists each action's name, the JSON
// Schema of its params, its required scopes, whether it bears a charge, and which handler
// runs it with which mapping. Users whose model names its tools differently map them here.
class ActionCatalog {
 public:
  // Throws InputError naming `origin`, the line and the field on any mistake.
  static ActionCatalog from_yaml_text(const std::string& text, const std::string& origin);
  static ActionCatalog from_file(const std::string& path);
  static const ActionCatalog& default_catalog();
  static const char* default_yaml();

  const ActionSpec* find(const std::string& name) const;
  // The saga plans: the built-in ones at the indexes of their SagaKind, then those the
  // catalog declares under `sagas:` from the built-in step kinds.
  const SagaPlan& plan(uint8_t index) const;
  const std::vector<SagaPlan>& plans() const { return plans_; }
  // The actions as OpenAI tool definitions ({"type": "function", "function": {name,
  // parameters}}), for asking a live model what to do next.
  nlohmann::json openai_tools() const;
  const std::map<std::string, ActionSpec>& actions() const { return actions_; }
  // `error_patterns:` regular expressions (case-insensitive) that mark a recorded tool's
  // text answer as a failure, for importers and the recording proxy.
  const std::vector<std::string>& error_patterns() const { return error_patterns_; }
  // `consent: user_turn_before_call`: importers read the user's "yes" just before a
  // charge-bearing call as consent to it (the default, `stated_amount`, needs an amount the
  // assistant stated first).
  bool consent_from_turn_before_call() const { return consent_from_turn_before_call_; }
  // The catalog's `amount_scale:` (minor units per unit of its tools' money; default 1).
  int64_t amount_scale() const { return amount_scale_; }

  // Validates params against the action's schema; on failure returns false and describes
  // the first problem (JSON pointer and what was expected) in `error`.
  bool validate(const ActionSpec& spec, const nlohmann::json& params, std::string& error) const;
  // Applies the mapping; false with `error` when a mapped value has the wrong shape.
  bool map_inputs(const ActionSpec& spec, const nlohmann::json& params, HandlerInput& out,
                  std::string& error) const;
  // The same for what a lookup's recorded result describes (`describes: {booking: …}`);
  // false without one.
  bool map_result(const ActionSpec& spec, const nlohmann::json& result, HandlerInput& out,
                  std::string& error) const;

 private:
  std::map<std::string, ActionSpec> actions_;
  std::vector<std::string> error_patterns_;
  bool consent_from_turn_before_call_ = false;
  int64_t amount_scale_ = 1;
  std::vector<SagaPlan> plans_ = builtin_plans();
};

// Applies a mapping to a JSON document: false with `error` when a mapped value has the wrong
// shape.
bool map_with(const ParamMapping& m, const nlohmann::json& params, HandlerInput& out,
              std::string& error);

// True when any string or number in `params` holds a card-number-like digit run
// (13-19 digits, spaces or dashes allowed, passing the Luhn check).
bool contains_pan(const nlohmann::json& params);
bool looks_like_pan(const std::string& text);

}  // namespace checkride
