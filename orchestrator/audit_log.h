#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/time.h"

namespace checkride {

using Sha256 = std::array<uint8_t, 32>;
std::string to_hex(const Sha256& h);

struct AuditRecord {
  uint64_t seq = 0;
  std::string line;  // "t|kind|session|saga|detail|amount"
  Sha256 hash{};     // SHA-256(previous hash || line)
};

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
  uint64_t count() const { return next_seq_; }

 private:
  AuditSink* sink_;
  uint64_t next_seq_;
  Sha256 head_;
};

Sha256 chain_hash(const Sha256& previous, std::string_view line);

// Verifies a whole log offline. Returns -1 when intact, else the seq of the first bad record.
int64_t verify_audit_chain(const std::vector<AuditRecord>& records);

}  // namespace checkride
