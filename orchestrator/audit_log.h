#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/audit_record.h"
#include "protocol/time.h"

namespace checkride {

// Where audit records go. The in-memory store keeps them all; a long simulated run keeps
// only the chain head so memory stays bounded by what is in flight.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // `line` is only valid during the call.
  virtual void append(uint64_t seq, std::string_view line, const Sha256& hash) = 0;
};

// Append-only, hash-chained log: one record per action, decision, provider step and
// consent. Any edit, reorder or deletion breaks the chain. Without a sink (a long simulated
// run that keeps no records) records are only counted: a chain nobody keeps proves nothing.
class AuditLog {
 public:
  AuditLog(AuditSink* sink, uint64_t next_seq, const Sha256& head)
      : sink_(sink), next_seq_(next_seq), head_(head) {}
  void append(Time t, std::string_view kind, uint64_t session, uint64_t saga,
              std::string_view detail, int64_t amount);
  const Sha256& head() const { return head_; }
  // True when records are kept: callers build costly details (params) only then.
  bool keeping() const { return sink_ != nullptr; }
  uint64_t count() const { return next_seq_; }

 private:
  AuditSink* sink_;
  uint64_t next_seq_;
  Sha256 head_;
};

}  // namespace checkride
