#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace checkride {

// Ledger ids on the wire: a type prefix and the id, as Stripe's "pi_..." ("pi_12",
// "pm_3", "res_7", "hold_2", "ord_5", "cus_4").
inline std::string wire_name(std::string_view prefix, uint64_t id) {
  return std::string(prefix) + "_" + std::to_string(id);
}

inline bool parse_wire_name(std::string_view name, std::string_view prefix, uint64_t& id) {
  if (name.size() <= prefix.size() + 1 || name.substr(0, prefix.size()) != prefix ||
      name[prefix.size()] != '_' || name.size() > prefix.size() + 16) {
    return false;
  }
  id = 0;
  for (char c : name.substr(prefix.size() + 1)) {
    if (c < '0' || c > '9') return false;
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  return id != 0;
}

}  // namespace checkride
