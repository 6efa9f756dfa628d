#pragma once
#include <string_view>

namespace checkride {

// The Luhn checksum card numbers carry: true when `digits` (ASCII digits only) passes it.
// Shared by the orchestrator (refusing raw card numbers) and the recorder (redacting them).
inline bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

}  // namespace checkride
