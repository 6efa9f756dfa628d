#pragma once
#include <cstdint>
#include <string>

namespace checkride {

// Money in integer minor units (cents). A run uses one currency, set by the catalog;
// amounts never go through floating point.
struct Money {
  int64_t minor = 0;
  std::string currency = "usd";
};

std::string format_cents(int64_t minor);  // 12345 -> "123.45"

}  // namespace checkride
