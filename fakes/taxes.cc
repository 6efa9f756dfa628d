#include "fakes/taxes.h"

#include <algorithm>
#include <limits>

namespace checkride {

std::vector<TaxSpec> taxes_levied_on(const std::vector<TaxSpec>& all, bool orders) {
  std::vector<TaxSpec> out;
  for (const TaxSpec& t : all) {
    if (t.on_orders == orders) out.push_back(t);
  }
  return out;
}

int64_t tax_at_rate(int64_t rate_ppm, int64_t amount) {
  const __int128 scaled = static_cast<__int128>(rate_ppm) * amount;
  const __int128 half = 500'000;
  const __int128 tax = scaled >= 0 ? (scaled + half) / 1'000'000 : (scaled - half) / 1'000'000;
  constexpr __int128 kCap = std::numeric_limits<int64_t>::max() / 4;
  return static_cast<int64_t>(std::clamp(tax, -kCap, kCap));
}

namespace {

int64_t flat_tax(const TaxSpec& t, const TaxBase& base) {
  __int128 tax = t.amount;
  if (t.per == ExtraPer::kPassenger || t.per == ExtraPer::kPassengerLeg) tax *= base.seats;
  if (t.per == ExtraPer::kLeg || t.per == ExtraPer::kPassengerLeg) tax *= base.legs;
  constexpr __int128 kCap = std::numeric_limits<int64_t>::max() / 4;
  return static_cast<int64_t>(std::min(tax, kCap));
}

int64_t levied_base(const TaxSpec& t, const TaxBase& base) {
  int64_t on = t.of_fares ? base.fares : 0;
  for (const auto& [id, cost] : base.extras) {
    const std::string_view name = id;  // a structured binding is not captured by clang's lambdas
    if (std::any_of(t.of_extras.begin(), t.of_extras.end(),
                    [&](const std::string& e) { return e == name; })) {
      on += cost;
    }
  }
  return on;
}

}  // namespace

std::vector<int64_t> taxes_due(const std::vector<TaxSpec>& taxes, const TaxBase& base) {
  std::vector<int64_t> due;
  due.reserve(taxes.size());
  for (const TaxSpec& t : taxes) {
    due.push_back(t.rate_ppm > 0 ? tax_at_rate(t.rate_ppm, levied_base(t, base))
                                 : flat_tax(t, base));
  }
  return due;
}

int64_t sum_of(const std::vector<int64_t>& amounts) {
  int64_t sum = 0;
  for (int64_t a : amounts) sum += a;
  return sum;
}

bool parse_tax_rate(std::string_view text, int64_t& ppm) {
  if (text.size() < 2 || text.back() != '%') return false;
  text.remove_suffix(1);
  int64_t whole = 0, fraction = 0;
  int digits = 0, decimals = -1;
  for (char c : text) {
    if (c == '.' && decimals < 0 && digits > 0) {
      decimals = 0;
      continue;
    }
    if (c < '0' || c > '9' || digits >= 3 + 4) return false;
    ++digits;
    if (decimals < 0) {
      whole = whole * 10 + (c - '0');
    } else if (++decimals > 4) {
      return false;
    } else {
      fraction = fraction * 10 + (c - '0');
    }
  }
  if (digits == 0 || decimals == 0) return false;
  for (int d = std::max(decimals, 0); d < 4; ++d) fraction *= 10;
  ppm = whole * 10'000 + fraction;
  return ppm <= kMaxTaxRatePpm;
}

std::string tax_rate_text(int64_t ppm) {
  std::string fraction = std::to_string(10'000 + ppm % 10'000).substr(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return std::to_string(ppm / 10'000) + (fraction.empty() ? "" : "." + fraction) + "%";
}

}  // namespace checkride
