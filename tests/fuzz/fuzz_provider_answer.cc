// A provider's HTTP answer as the orchestrator service reads it (HttpProviders::read_answer):
// the first byte picks the call, the second the status, the rest is the body. Whatever a
// provider (or a man in the middle) answers, the reply is well formed: never a crash, at most
// 16 stored-value parts and 16 names of what paid, each name at most 128 bytes.
#include <httplib.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "wire/orchestrator/http_providers.h"
#include "wire/orchestrator/sqlite_db.h"
#include "wire/orchestrator/sqlite_store.h"

namespace {

checkride::HttpProviders& providers() {
  static checkride::SqliteDb db(":memory:");
  static checkride::ExternalNames names(db, "fuzz-secret");
  static checkride::HttpProviders p(checkride::ProviderEndpoints{}, names, [] { return 0; });
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  constexpr int kStatuses[] = {200, 201, 400, 401, 402, 404, 409, 429, 500, 503};
  checkride::ProviderRequest req;
  req.op = static_cast<checkride::Op>(data[0] % checkride::kOpCount);
  httplib::Response res;
  res.status = kStatuses[data[1] % std::size(kStatuses)];
  res.body.assign(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (data[1] & 0x80) res.set_header("Retry-After", res.body.substr(0, 8));
  const checkride::ProviderReply r = providers().read_answer(req, res, 1000);
  if (r.paid_debits.size() > 16 || r.paid_by.size() > 16) std::abort();
  for (const auto& name : r.paid_by) {
    if (name.empty() || name.size() > 128) std::abort();
  }
  return 0;
}
