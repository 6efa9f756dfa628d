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

// One record of the orchestrator's hash-chained audit log.
struct AuditRecord {
  uint64_t seq = 0;
  // "t|kind|session|saga|detail|amount". An "action" record's detail is the action name, a
  // space and its params as JSON; a "reply" record's is the status, then the reference (if
  // any). `checkride record import --from audit` turns these back into cassettes.
  std::string line;
  Sha256 hash{};  // SHA-256(previous hash || line)
};

// A record's line taken apart. The detail may itself hold '|' (params JSON), so the line is
// split on the first four and the last separator.
struct AuditFields {
  Time t = 0;
  std::string kind;
  uint64_t session = 0;
  uint64_t saga = 0;
  std::string detail;
  int64_t amount = 0;
};
bool split_audit_line(std::string_view line, AuditFields& out);

Sha256 chain_hash(const Sha256& previous, std::string_view line);

// Verifies a log record by record, in order, in constant memory.
class AuditChainCheck {
 public:
  void add(const AuditRecord& r) {
    if (first_bad_ < 0 && (r.seq != count_ || chain_hash(head_, r.line) != r.hash)) {
      first_bad_ = static_cast<int64_t>(count_);
    }
    head_ = r.hash;
    ++count_;
  }
  // -1 while intact, else the seq of the first bad record.
  int64_t first_bad() const { return first_bad_; }
  uint64_t count() const { return count_; }
  const Sha256& head() const { return head_; }

 private:
  Sha256 head_{};
  uint64_t count_ = 0;
  int64_t first_bad_ = -1;
};

// Verifies a whole log offline. Returns -1 when intact, else the seq of the first bad record.
int64_t verify_audit_chain(const std::vector<AuditRecord>& records);

// The audit log as a file: JSONL, one {"seq","line","hash"} object per record.
std::string audit_record_json(const AuditRecord& record);
// Throws InputError naming `origin`, the line and the field on anything malformed.
std::vector<AuditRecord> parse_audit_jsonl(const std::string& text, const std::string& origin);

}  // namespace checkride
