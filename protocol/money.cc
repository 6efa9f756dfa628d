#include "protocol/money.h"

#include <cstdlib>

namespace checkride {

std::string format_cents(int64_t minor) {
  std::string sign = minor < 0 ? "-" : "";
  int64_t abs = std::llabs(minor);
  std::string cents = std::to_string(abs % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return sign + std::to_string(abs / 100) + "." + cents;
}

}  // namespace checkride
