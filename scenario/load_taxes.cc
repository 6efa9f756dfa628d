// `taxes:` in a world file (docs/worlds.md): what a business levies on its bookings and orders
// beside their price, a rate of the fares, items and extras or an amount per passenger,
// flight or booking, and whether a cancellation refunds it.
#include <algorithm>

#include "scenario/scenario_sections.h"

namespace checkride {
namespace {

constexpr int64_t kMaxTaxAmount = 1'000'000'000;  // cents: keeps a booking's sums in range

// What the tax is levied on: `fares` (bookings) or `items` (orders), and extras by id.
void read_levied_on(MapReader& r, TaxSpec& t) {
  if (!r.has("of")) return;
  const std::string own = t.on_orders ? "items" : "fares";
  if (t.rate_ppm == 0) r.fail(r.get("of"), "of", "of: is what a rate is levied on; give rate:");
  YAML::Node list = r.get("of");
  if (!list.IsSequence() || list.size() == 0) {
    r.fail(list, "of",
           "expected a list of what the rate is levied on: " + own + " and extras' ids");
  }
  t.of_fares = false;
  for (const auto& n : list) {
    const std::string name = n.IsScalar() ? n.Scalar() : "";
    if (name.empty()) r.fail(n, "of", "expected " + own + " or an extra's id");
    if (name == (t.on_orders ? "fares" : "items")) {
      r.fail(n, "of",
             "expected " + own + " for a tax on " + (t.on_orders ? "orders" : "bookings") +
                 ", got '" + name + "'");
    }
    const bool twice =
        name == own ? t.of_fares
                    : std::find(t.of_extras.begin(), t.of_extras.end(), name) != t.of_extras.end();
    if (twice) r.fail(n, "of", "'" + name + "' named twice");
    if (name == own) {
      t.of_fares = true;
    } else {
      t.of_extras.push_back(name);
    }
  }
}

// A rate of what it is levied on, or an amount per what `per` counts: one of the two.
void read_measure(MapReader& r, const YAML::Node& n, TaxSpec& t) {
  const bool rate = r.has("rate"), amount = r.has("amount_cents");
  if (rate == amount) {
    r.fail(n, rate ? "amount_cents" : "rate",
           "expected one of rate: (like 8.25%) or amount_cents: (with per:)");
  }
  if (rate) {
    const std::string text = r.str("rate", "");
    if (!parse_tax_rate(text, t.rate_ppm) || t.rate_ppm == 0) {
      r.fail(r.get("rate"), "rate",
             "expected a percentage above 0% and at most 100% with at most four decimals, like "
             "8.25%, got '" +
                 text + "'");
    }
    if (r.has("per")) r.fail(r.get("per"), "per", "per: counts an amount_cents, not a rate");
    return;
  }
  t.amount = r.in_range("amount_cents", 0, 1, kMaxTaxAmount);
  const std::string per = r.str("per", t.on_orders ? "order" : "booking");
  const bool known = parse_extra_per(per, t.per) && t.per != ExtraPer::kUnit;
  if (t.on_orders && (!known || t.per != ExtraPer::kBooking)) {
    r.fail(r.get("per"), "per", "expected order for a tax on orders, got '" + per + "'");
  }
  if (!known) {
    r.fail(r.get("per"), "per",
           "expected passenger, leg, passenger_leg or booking, got '" + per + "'");
  }
}

TaxSpec read_tax(MapReader& r, const YAML::Node& n) {
  TaxSpec t;
  t.id = r.str("id", "");
  if (t.id.empty() || t.id.size() > 64) r.fail(n, "id", "expected a name of 1 to 64 characters");
  const std::string on = r.str("on", "bookings");
  if (on != "bookings" && on != "orders") {
    r.fail(r.get("on"), "on", "expected bookings or orders, got '" + on + "'");
  }
  t.on_orders = on == "orders";
  read_measure(r, n, t);
  read_levied_on(r, t);
  t.refundable = r.boolean("refundable", true);
  // A cancelled order refunds everything it was paid; only a booking's cancel keeps parts.
  if (t.on_orders && !t.refundable) {
    r.fail(r.get("refundable"), "refundable",
           "a cancelled order refunds all it was paid: refundable: false applies to bookings");
  }
  return t;
}

// What each extra a seeded booking or order holds cost, by id.
TaxBase seeded_base(const std::vector<ExtraSpec>& extras, const ExtraBuyer& buyer,
                    const ExtraUnits& held, int64_t fares) {
  TaxBase base{fares, {}, buyer.seats, buyer.legs};
  for (const auto& one : held) {
    base.extras.emplace_back(one.first,
                             std::max<int64_t>(held_extras_cost(extras, buyer, {one}), 0));
  }
  return base;
}

}  // namespace

void load_taxes(Scenario& s, const YAML::Node& list, const std::string& path) {
  if (!list.IsSequence()) throw InputError(path, line_of(list), "taxes", "expected a list");
  int i = 0;
  for (const auto& n : list) {
    std::string field = "taxes[" + std::to_string(i++) + "]";
    MapReader r(n, path, field);
    TaxSpec t = read_tax(r, n);
    r.finish();
    for (const auto& other : s.taxes) {
      if (other.id == t.id) r.fail(n, "id", "'" + t.id + "' is already a tax of the world");
    }
    t.origin = path;
    t.line = line_of(n);
    t.field = field;
    s.taxes.push_back(std::move(t));
  }
}

// A rate levied on an extra the world does not sell on its kind never applies: a typo that
// would leave the tax out of every total.
void check_taxes(const Scenario& s) {
  for (const TaxSpec& t : s.taxes) {
    for (const std::string& id : t.of_extras) {
      if (std::none_of(s.extras.begin(), s.extras.end(), [&](const ExtraSpec& e) {
            return e.id == id && e.on_orders == t.on_orders;
          })) {
        throw InputError(t.origin, t.line, t.field + ".of",
                         std::string("expected an extra the world's extras: sell on ") +
                             (t.on_orders ? "orders (on: orders)" : "bookings") + ", got '" + id +
                             "'");
      }
    }
  }
}

int64_t seeded_booking_taxes(const Scenario& s, const ExistingBooking& b, const ExtraBuyer& buyer) {
  const std::vector<TaxSpec> taxes = taxes_levied_on(s.taxes, false);
  if (taxes.empty()) return 0;
  return sum_of(
      taxes_due(taxes, seeded_base(extras_sold_on(s.extras, false), buyer, b.extras, buyer.value)));
}

int64_t seeded_order_taxes(const Scenario& s, const ExistingOrder& o, const ExtraBuyer& buyer) {
  const std::vector<TaxSpec> taxes = taxes_levied_on(s.taxes, true);
  if (taxes.empty()) return 0;
  return sum_of(
      taxes_due(taxes, seeded_base(extras_sold_on(s.extras, true), buyer, o.extras, buyer.value)));
}

}  // namespace checkride
