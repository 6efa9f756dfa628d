// The rules engine on arbitrary worlds and operations: the text up to the first NUL byte is a
// world file (its order_rules, booking_rules, orders and bookings), each later pair of bytes
// an operation on one of the seeded orders. Whatever the rules say, an operation the catalog
// refuses changes neither the order's status nor its counts, a status is always one the world
// declares, and no operation is done more often than the world's at_most.
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
  for (int op = 1; op < checkride::kObjectOperationCount; ++op) {
    const int32_t limit = w.catalog.rules().at_most[op];
    require(limit == 0 || after.done[op] <= limit);
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
  w.seed_existing(1, "", s.existing, 0);
  uint64_t key = 1;
  for (std::size_t i = cut + 1; i + 1 < input.size() && key < 256; i += 2) {
    operate(w, s, static_cast<uint8_t>(input[i]), static_cast<uint8_t>(input[i + 1]), key++);
  }
  return 0;
}
