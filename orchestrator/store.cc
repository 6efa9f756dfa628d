#include "orchestrator/store.h"

namespace checkride {

SagaId MemoryStore::create_saga(SagaRecord record) {
  record.id = sagas_.issued() + 1;
  SessionId session = record.session;
  SagaId id = sagas_.add(std::move(record));
  sessions_[session].sagas.push_back(id);
  ++writes_;
  return id;
}

void MemoryStore::put_key(IdempotencyKey key, SagaId id) {
  keys_[key] = id;
  if (const SagaRecord* s = sagas_.find(id)) sessions_[s->session].keys.push_back(key);
}

const IdList& MemoryStore::sagas_of(SessionId session) const {
  static const IdList kNone;
  auto it = sessions_.find(session);
  return it == sessions_.end() ? kNone : it->second.sagas;
}

void MemoryStore::retire_session(SessionId session, UserId user) {
  auto it = sessions_.find(session);
  if (it != sessions_.end()) {
    for (SagaId id : it->second.sagas) sagas_.retire(id);
    for (IdempotencyKey key : it->second.keys) keys_.erase(key);
    sessions_.erase(it);
  }
  consents_.erase(session);
  grants_.erase(user);
  ++writes_;
}

void MemoryStore::append(uint64_t seq, std::string_view line, const Sha256& hash) {
  ++audit_count_;
  audit_head_ = hash;
  audit_.push_back(AuditRecord{seq, std::string(line), hash});
}

}  // namespace checkride
