#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wire/fakes/wire_call.h"

namespace httplib {
struct Request;
}

namespace checkride {

// Stripe's request rules, checked before anything executes (so a request refused here is
// never stored under its Idempotency-Key, as at Stripe).

// A 400 invalid_request_error naming `param`; not kept under the request's key.
WireAnswer stripe_invalid(const std::string& message, const std::string& param,
                          const std::string& code = {});

// A positive integer in minor units of at most 15 digits; false when absent or not that.
bool integer_param(const nlohmann::json& form, const char* name, int64_t& out);

// A lowercase ISO 4217 code Stripe settles in; an error answer otherwise.
bool check_currency(const nlohmann::json& form, WireAnswer& error);
// Stripe's minimum and maximum charge amounts for the currency (amount_too_small /
// amount_too_large). `currency` has passed check_currency.
bool check_amount(int64_t amount, const std::string& currency, const char* param,
                  WireAnswer& error);
// At most 50 keys, each at most 40 characters, values at most 500 characters, flat.
bool check_metadata(const nlohmann::json& form, WireAnswer& error);
// Merges a metadata param into `into` as Stripe does: a key set to "" is removed, and
// metadata="" clears every key.
void merge_metadata(const nlohmann::json& form, nlohmann::json& into);

// A list request's paging: limit (1..100, default 10), starting_after, ending_before.
struct ListPage {
  int64_t limit = 10;
  std::string starting_after;
  std::string ending_before;
};
bool parse_list_page(const httplib::Request& req, ListPage& page, WireAnswer& error);
// The 404 resource_missing for an id that names nothing.
WireAnswer stripe_missing(const std::string& kind, const std::string& id, const std::string& param);
// A cursor (starting_after, ending_before) names an object of the list's kind that exists,
// else Stripe's 404 resource_missing with the cursor as its param.
bool check_cursor(const ListPage& page, const std::string& kind,
                  const std::function<bool(const std::string&)>& exists, WireAnswer& error);
// Cuts one page out of `ids` (newest first) as Stripe does, and renders it as a list
// object: {object: "list", url, has_more, data}. `render` makes one item's JSON.
nlohmann::json list_page(const std::vector<std::string>& ids, const ListPage& page,
                         const std::string& url,
                         const std::function<nlohmann::json(const std::string&)>& render);

// expand[] as given in the request (form body for POST, query for GET).
std::vector<std::string> expand_paths(const httplib::Request& req, const nlohmann::json& form);

}  // namespace checkride
