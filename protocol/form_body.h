#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace checkride {

// application/x-www-form-urlencoded with Stripe's nesting: `a[b]=1` is {"a":{"b":"1"}} and
// `a[0]=x&a[1]=y` is {"a":["x","y"]}. Every leaf stays a string, as sent; the API decides
// what a number is. Returns false with `error` naming the offending key.
bool parse_form(std::string_view body, nlohmann::json& out, std::string& error);

// The inverse, for clients (the orchestrator's Stripe adapter): nested objects and arrays
// become bracketed keys; numbers and booleans are written as Stripe expects.
std::string encode_form(const nlohmann::json& fields);

std::string percent_decode(std::string_view s);
std::string percent_encode(std::string_view s);

}  // namespace checkride
