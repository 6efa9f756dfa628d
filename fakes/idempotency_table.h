#pragma once
#include <cstdint>
#include <unordered_map>

#include "protocol/id_list.h"
#include "protocol/provider.h"

namespace checkride {

// Stripe's idempotency contract, shared by every fake: the first response for a key
// (errors included) is stored and replayed for the same key and parameters; the same key
// with different parameters is a 400 idempotency_error; the same key while the first
// request is still being processed is a 409; keys expire after 24 hours.
class IdempotencyTable {
 public:
  static constexpr Duration kKeyLifetime = 24 * kHour;

  enum class Lookup { kNew, kReplay, kMismatch, kInFlight };

  // `fingerprint` identifies the request's parameters (op included).
  Lookup lookup(IdempotencyKey key, uint64_t fingerprint, Time now, ProviderReply& replay) const;
  // Stores the reply; the request counts as in flight until `ready_at`.
  void store(IdempotencyKey key, UserId owner, uint64_t fingerprint, Time now, Time ready_at,
             const ProviderReply& reply);
  // Drops every key stored for `owner` once the owner is settled (nothing will send those
  // keys again).
  void forget_owner(UserId owner);

 private:
  struct Entry {
    uint64_t fingerprint;
    Time ready_at;
    Time expires_at;
    ObjectId id;
    int64_t amount;
    int64_t discount;
    Time object_expires_at;
    std::string_view status;
    ErrorCode error;
  };
  // Only looked up, never iterated, so its order cannot leak into a run.
  std::unordered_map<IdempotencyKey, Entry> entries_;
  std::unordered_map<UserId, IdList> keys_of_;  // lookup only
};

// Applies the table to one request: returns true when `reply` was filled from the table
// (replay, mismatch or in-flight) and the fake must not act.
bool idempotency_precheck(const IdempotencyTable& table, const ProviderRequest& req,
                          uint64_t fingerprint, Time now, ProviderReply& reply);

uint64_t request_fingerprint(const ProviderRequest& req);

// Runs `act` under the table: a replay, mismatch or in-flight key answers from the table;
// otherwise the fake acts and the reply (errors included) is stored under the key.
template <typename Act>
ProviderReply run_idempotent(IdempotencyTable& table, const ProviderRequest& req,
                             uint64_t fingerprint, Time now, Time ready_at, Act&& act) {
  ProviderReply reply;
  if (idempotency_precheck(table, req, fingerprint, now, reply)) return reply;
  reply = act();
  if (req.key != 0) table.store(req.key, req.user, fingerprint, now, ready_at, reply);
  return reply;
}

}  // namespace checkride
