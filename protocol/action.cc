#include "protocol/action.h"

#include <array>

namespace checkride {
namespace {
constexpr std::array<std::string_view, 9> kNames = {
    "ok",     "confirmed",  "rejected", "failed", "busy", "needs_confirmation", "reauth_required",
    "review", "unavailable"};
}

std::string_view status_name(ActionStatus s) { return kNames[static_cast<int>(s)]; }

bool parse_status(std::string_view name, ActionStatus& out) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) {
      out = static_cast<ActionStatus>(i);
      return true;
    }
  }
  return false;
}

bool is_success(ActionStatus s) { return s == ActionStatus::kOk || s == ActionStatus::kConfirmed; }

}  // namespace checkride
