#include "fakes/idempotency_table.h"

namespace checkride {

IdempotencyTable::Lookup IdempotencyTable::lookup(IdempotencyKey key, uint64_t fingerprint,
                                                  Time now, ProviderReply& replay) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires_at <= now) return Lookup::kNew;
  const Entry& e = it->second;
  if (e.fingerprint != fingerprint) return Lookup::kMismatch;
  if (now < e.ready_at) return Lookup::kInFlight;
  replay = ProviderReply{};
  replay.error = e.error;
  replay.id = e.id;
  replay.amount = e.amount;
  replay.discount = e.discount;
  replay.expires_at = e.object_expires_at;
  replay.status = e.status;
  return Lookup::kReplay;
}

void IdempotencyTable::store(IdempotencyKey key, UserId owner, uint64_t fingerprint, Time now,
                             Time ready_at, const ProviderReply& reply) {
  auto [it, added] = entries_.insert_or_assign(
      key, Entry{fingerprint, ready_at, now + kKeyLifetime, reply.id, reply.amount, reply.discount,
                 reply.expires_at, reply.status, reply.error});
  if (added) keys_of_[owner].push_back(key);
}

void IdempotencyTable::forget_owner(UserId owner) {
  auto it = keys_of_.find(owner);
  if (it == keys_of_.end()) return;
  for (IdempotencyKey key : it->second) entries_.erase(key);
  keys_of_.erase(it);
}

bool idempotency_precheck(const IdempotencyTable& table, const ProviderRequest& req,
                          uint64_t fingerprint, Time now, ProviderReply& reply) {
  if (req.key == 0) return false;
  switch (table.lookup(req.key, fingerprint, now, reply)) {
    case IdempotencyTable::Lookup::kNew:
      return false;
    case IdempotencyTable::Lookup::kReplay:
      return true;
    case IdempotencyTable::Lookup::kMismatch:
      reply = ProviderReply{};
      reply.error = ErrorCode::kIdempotencyError;
      return true;
    case IdempotencyTable::Lookup::kInFlight:
      reply = ProviderReply{};
      reply.error = ErrorCode::kIdempotencyKeyInUse;
      return true;
  }
  return false;
}

uint64_t request_fingerprint(const ProviderRequest& req) {
  uint64_t h = mix64(static_cast<uint64_t>(req.op) + 1);
  h = mix64(h, req.ref);
  h = mix64(h, static_cast<uint64_t>(req.amount));
  h = mix64(h, req.payment_method);
  h = mix64(h, static_cast<uint64_t>(req.ttl));
  h = hash_bytes(req.text.data(), req.text.size(), h);
  h = hash_bytes(req.coupon.data(), req.coupon.size(), h);
  h = hash_line_items(req.extras, hash_line_items(req.items, h));
  for (ObjectId d : req.debits) h = mix64(h, d);
  return h;
}

}  // namespace checkride
