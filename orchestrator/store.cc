#include "orchestrator/store.h"

namespace checkride {

SagaId MemoryStore::create_saga(SagaRecord record) {
  record.id = sagas_.size() + 1;
  sagas_.push_back(std::move(record));
  ++writes_;
  return sagas_.size();
}

void MemoryStore::append(uint64_t seq, std::string_view line, const Sha256& hash) {
  ++audit_count_;
  audit_head_ = hash;
  if (keep_audit_) audit_.push_back(AuditRecord{seq, std::string(line), hash});
}

}  // namespace checkride
