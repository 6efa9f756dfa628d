#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fakes/extras.h"

namespace checkride {

// A tax or government fee a world levies on its bookings or orders: a rate of what it is
// levied on (the fares or the items, and the extras it names), or an amount per what `per`
// counts (a security fee per passenger per flight). It is a part of what was paid, kept per
// booking or order, so a change charges or refunds the tax on what changed.
struct TaxSpec {
  std::string id;
  bool on_orders = false;
  int64_t rate_ppm = 0;  // parts per million of its base: 8.25% is 82500
  int64_t amount = 0;    // or this much per `per`
  ExtraPer per = ExtraPer::kBooking;
  bool of_fares = true;                // levied on the fares (or the items, after discount)
  std::vector<std::string> of_extras;  // and on what these extras cost
  bool refundable = true;              // a cancellation refunds it
  std::string origin = {};             // where it was declared (file, line, field)
  int line = 0;
  std::string field = {};
};

// What a booking's or order's taxes are levied on.
struct TaxBase {
  int64_t fares = 0;  // the fares, or the items after discount
  std::vector<std::pair<std::string_view, int64_t>> extras = {};  // what each extra cost
  int32_t seats = 1;
  int32_t legs = 1;
};

constexpr int64_t kMaxTaxRatePpm = 1'000'000;  // 100%

// The taxes of `all` levied on orders (on_orders), or on bookings.
std::vector<TaxSpec> taxes_levied_on(const std::vector<TaxSpec>& all, bool orders);
// `amount` at `rate_ppm`, rounded to the nearest cent, halves away from zero (a negative
// amount, money owed back, gives the tax owed back).
int64_t tax_at_rate(int64_t rate_ppm, int64_t amount);
// Each tax's amount on `base`, in the order of `taxes`.
std::vector<int64_t> taxes_due(const std::vector<TaxSpec>& taxes, const TaxBase& base);
int64_t sum_of(const std::vector<int64_t>& amounts);
// Parses "8.25%" (at most four decimals, at most 100%) into parts per million.
bool parse_tax_rate(std::string_view text, int64_t& ppm);
// "8.25%" again, for a world file written back.
std::string tax_rate_text(int64_t ppm);

}  // namespace checkride
