// The rules engine on arbitrary worlds and operations: the text up to the first NUL byte is a
// world file (its order_rules, booking_rules, orders and bookings), each later pair of bytes
// an operation on one of the seeded orders. Whatever the rules say, an operation the catalog
// refuses changes neither the order's status nor its counts, a status is always one the world
// declares, and no operation is done more often than the world's at_most. A byte with 0x40
// set makes its pair an extras call on a seeded booking instead.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "protocol/input_error.h"
#include "scenario/scenario.h"

namespace {

using checkride::CatalogFake;
using checkride::ObjectOperation;

constexpr checkride::Op kOps[] = {checkride::Op::kFindOrder,     checkride::Op::kCancelOrder,
                                  checkride::Op::kUpdateOrder,   checkride::Op::kReturnItems,
                                  checkride::Op::kQuoteItemSwap, checkride::Op::kSwapItems,
                                  checkride::Op::kRepayOrder};

void require(bool holds) {
  if (!holds) std::abort();
}

// One operation, from two bytes: which order, which op, which operation it names, and
// whether its reason is one the world lists.
void operate(checkride::World& w, const checkride::Scenario& s, uint8_t a, uint8_t b,
             uint64_t key) {
  const auto& ids = w.catalog.orders_of(1);
  if (ids.empty()) return;
  const checkride::ObjectId id = ids[a % ids.size()];
  const CatalogFake::Order before = *w.catalog.orders().find(id);
  checkride::ProviderRequest req;
  req.op = kOps[b % std::size(kOps)];
  req.user = 1;
  req.key = key;
  req.ref = id;
  req.text = req.op == checkride::Op::kUpdateOrder ? "1 Main St" : "";
  req.operation = static_cast<ObjectOperation>((b / 8) % checkride::kObjectOperationCount);
  const auto& reasons = w.catalog.rules().cancel_reasons;
  req.reason = (a & 0x80) && !reasons.empty() ? reasons[a % reasons.size()] : "whim";
  for (const auto& line : before.lines) {
    const std::string& sku = w.catalog.skus()[line.sku].spec.id;
    req.items.push_back({sku, req.op == checkride::Op::kReturnItems ? 1 : -1});
    if (!s.skus.empty()) req.items.push_back({s.skus[a % s.skus.size()].id, 1});
    break;
  }
  checkride::ProviderReply r = w.catalog.handle(req, 0, 0);
  const CatalogFake::Order& after = *w.catalog.orders().find(id);
  require(after.status >= 0 &&
          static_cast<std::size_t>(after.status) < w.catalog.rules().statuses.size());
  if (!r.ok() || req.op == checkride::Op::kFindOrder || req.op == checkride::Op::kQuoteItemSwap) {
    require(after.status == before.status && after.done == before.done);
  }
  // A tax is never refunded past what was paid of it.
  for (std::size_t i = 0; i < after.taxes.size(); ++i) {
    require(after.taxes_returned[i] >= 0 && after.taxes_returned[i] <= after.taxes[i]);
  }
  for (int op = 1; op < checkride::kObjectOperationCount; ++op) {
    const int32_t limit = w.catalog.rules().at_most[op];
    require(limit == 0 || after.done[op] <= limit);
  }
}

// One extras call on a seeded booking (the world's extras engine): whatever the allowances
// say, a refused call changes nothing, and a booking's extras and what it was paid in all
// never go down. Nothing pays, so only what comes free can be added.
void extras_call(checkride::World& w, const checkride::Scenario& s, uint64_t token, uint8_t a,
                 uint8_t b, uint64_t key) {
  const auto& ids = w.bookings.holds_of(1);
  if (ids.empty() || s.extras.empty()) return;
  const checkride::ObjectId id = ids[a % ids.size()];
  const checkride::BookingsFake::Hold before = *w.bookings.holds().find(id);
  checkride::ProviderRequest req;
  req.op = b & 1 ? checkride::Op::kAddExtras : checkride::Op::kQuoteExtras;
  req.user = 1;
  req.key = key;
  req.ref = id;
  req.access_token = token;
  req.operation = ObjectOperation::kAddExtras;
  req.items.push_back({s.extras[b % s.extras.size()].id, (b >> 1) % 8});
  if (a & 0x20) req.items.push_back({s.extras[a % s.extras.size()].id, (a >> 2) % 8});
  checkride::ProviderReply r = w.bookings.handle(req, 0, 0);
  const checkride::BookingsFake::Hold& after = *w.bookings.holds().find(id);
  using checkride::BookingsFake;
  if (!r.ok() || req.op == checkride::Op::kQuoteExtras) {
    require(after.extra_units == before.extra_units && after.extra_paid == before.extra_paid);
    return;
  }
  require(r.amount == 0);  // nothing paid: only free ones were added
  require(BookingsFake::paid_in_all(after) == BookingsFake::paid_in_all(before));
  for (std::size_t i = 0; i < before.extra_units.size(); ++i) {
    require(after.extra_units[i] >= before.extra_units[i]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      "/tmp/checkride-fuzz-world-rules-" + std::to_string(getpid()) + ".yaml";
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = std::min(input.find('\0'), input.size());
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << input.substr(0, cut);
  }
  checkride::Scenario s = checkride::default_scenario();
  try {
    checkride::load_world_file(s, path);
    checkride::check_existing_bookings(s);
  } catch (const checkride::InputError&) {
    return 0;
  }
  checkride::World w;
  checkride::furnish_world(w, s);
  for (auto& o : s.existing.orders) o.user.clear();  // every order is user 1's
  for (auto& b : s.existing.bookings) b.user.clear();
  for (auto& m : s.existing.memberships) m.user.clear();
  w.seed_existing(1, "", s.existing, 0);
  const uint64_t token = w.identity.login(1, 1, checkride::kScopeBookingsWrite, 0).access_token;
  uint64_t key = 1;
  for (std::size_t i = cut + 1; i + 1 < input.size() && key < 256; i += 2) {
    const auto a = static_cast<uint8_t>(input[i]), b = static_cast<uint8_t>(input[i + 1]);
    if (a & 0x40) {
      extras_call(w, s, token, a, b, key++);
    } else {
      operate(w, s, a, b, key++);
    }
  }
  return 0;
}
