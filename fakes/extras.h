#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace checkride {

// What one unit of an extra is counted against: a bag on the whole booking, a passenger's
// insurance, a seat on each flight, a fee once.
enum class ExtraPer : uint8_t { kUnit, kPassenger, kLeg, kPassengerLeg, kBooking };

// Units of an extra that come free, for the bookings that match every field given ("" or -1:
// any). The first row that matches counts; none: nothing is free.
struct ExtraAllowance {
  std::string cabin;       // the booking's first flight's cabin (offers[].cabin)
  std::string fare_class;  // and fare class (offers[].fare_class)
  std::string membership;  // the user's tier (memberships:)
  int64_t min_value = -1;  // the booking's value (its fares) at least this
  int32_t units = 0;       // free per passenger (kUnit: times the passengers)
};

// An extra a world sells on its bookings (bags, seats, insurance, a fee), priced per what it
// is counted against, with free allowances, and refunded on a cancel or not.
struct ExtraSpec {
  std::string id;
  int64_t price = 0;  // per unit of what `per` counts
  ExtraPer per = ExtraPer::kUnit;
  bool refundable = false;  // a cancellation refunds what was paid for it
  std::vector<ExtraAllowance> free = {};
  std::string origin = {};  // where it was declared (file, line, field), for messages
  int line = 0;
  std::string field = {};
  bool on_orders = false;  // sold on the shop's orders (gift wrap), not on bookings
};

// The extras of `all` sold on orders (on_orders), or on bookings.
std::vector<ExtraSpec> extras_sold_on(const std::vector<ExtraSpec>& all, bool orders);

// Units of each extra a booking holds, by extra id (a world's `extras:` on a booking, a
// call's request).
using ExtraUnits = std::vector<std::pair<std::string, int32_t>>;

// Who buys: what the allowances and `per` read.
struct ExtraBuyer {
  std::string_view cabin;
  std::string_view fare_class;
  std::string_view membership;
  int64_t value = 0;  // the booking's fares
  int32_t seats = 1;
  int32_t legs = 1;
};

constexpr int32_t kMaxExtraUnits = 1000;

std::string_view extra_per_name(ExtraPer per);
bool parse_extra_per(std::string_view name, ExtraPer& per);
// The free units the first matching allowance gives, in the measure `units` count.
int32_t free_extra_units(const ExtraSpec& spec, const ExtraBuyer& buyer);
// What holding `units` of the extra costs, the free ones left out.
int64_t extra_cost(const ExtraSpec& spec, const ExtraBuyer& buyer, int32_t units);
// What a booking or order that holds `held` pays for them at the world's prices (a seeded
// one's `extras:`, a call's); -1 when it names an extra `extras` does not hold or a count
// outside 0 to kMaxExtraUnits.
int64_t held_extras_cost(const std::vector<ExtraSpec>& extras, const ExtraBuyer& buyer,
                         const ExtraUnits& held);

}  // namespace checkride
