#include "fakes/extras.h"

#include <algorithm>
#include <limits>

namespace checkride {

namespace {

constexpr std::pair<ExtraPer, std::string_view> kPerNames[] = {
    {ExtraPer::kUnit, "unit"},       {ExtraPer::kPassenger, "passenger"},
    {ExtraPer::kLeg, "leg"},         {ExtraPer::kPassengerLeg, "passenger_leg"},
    {ExtraPer::kBooking, "booking"},
};

bool matches(std::string_view want, std::string_view have) { return want.empty() || want == have; }

}  // namespace

std::string_view extra_per_name(ExtraPer per) {
  for (const auto& [p, name] : kPerNames) {
    if (p == per) return name;
  }
  return "unit";
}

std::vector<ExtraSpec> extras_sold_on(const std::vector<ExtraSpec>& all, bool orders) {
  std::vector<ExtraSpec> out;
  for (const ExtraSpec& e : all) {
    if (e.on_orders == orders) out.push_back(e);
  }
  return out;
}

bool parse_extra_per(std::string_view name, ExtraPer& per) {
  if (name == "order") name = "booking";  // once per order, as once per booking
  for (const auto& [p, n] : kPerNames) {
    if (n == name) {
      per = p;
      return true;
    }
  }
  return false;
}

int32_t free_extra_units(const ExtraSpec& spec, const ExtraBuyer& buyer) {
  for (const ExtraAllowance& a : spec.free) {
    if (!matches(a.cabin, buyer.cabin) || !matches(a.fare_class, buyer.fare_class) ||
        !matches(a.membership, buyer.membership) || buyer.value < a.min_value) {
      continue;
    }
    // An allowance is per passenger; units on the whole booking take it once per passenger.
    return spec.per == ExtraPer::kUnit ? a.units * buyer.seats : a.units;
  }
  return 0;
}

int64_t extra_cost(const ExtraSpec& spec, const ExtraBuyer& buyer, int32_t units) {
  const __int128 paid_units = std::max(0, units - free_extra_units(spec, buyer));
  __int128 cost = spec.price * paid_units;
  if (spec.per == ExtraPer::kPassenger || spec.per == ExtraPer::kPassengerLeg) cost *= buyer.seats;
  if (spec.per == ExtraPer::kLeg || spec.per == ExtraPer::kPassengerLeg) cost *= buyer.legs;
  // A world bounds prices and counts well below this; the cap keeps sums of costs in range.
  constexpr __int128 kCap = std::numeric_limits<int64_t>::max() / 4;
  return static_cast<int64_t>(std::min(cost, kCap));
}

int64_t held_extras_cost(const std::vector<ExtraSpec>& extras, const ExtraBuyer& buyer,
                         const ExtraUnits& held) {
  int64_t cost = 0;
  for (const auto& [id, units] : held) {
    if (units < 0 || units > kMaxExtraUnits) return -1;
    const std::string& name = id;  // a structured binding is not captured by clang's lambdas
    auto it = std::find_if(extras.begin(), extras.end(),
                           [&](const ExtraSpec& e) { return e.id == name; });
    if (it == extras.end()) return -1;
    cost += extra_cost(*it, buyer, units);
  }
  return cost;
}

}  // namespace checkride
