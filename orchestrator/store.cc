#include "orchestrator/store.h"

namespace checkride {

SagaId MemoryStore::create_saga(SagaRecord record) {
  record.id = sagas_.size() + 1;
  sagas_.push_back(std::move(record));
  ++writes_;
  return sagas_.size();
}

void MemoryStore::append(const AuditRecord& record) {
  ++audit_count_;
  audit_head_ = record.hash;
  if (keep_audit_) audit_.push_back(record);
}

}  // namespace checkride
