#include "orchestrator/audit_log.h"

#include <openssl/evp.h>

#include <cstdio>

namespace checkride {

std::string to_hex(const Sha256& h) {
  static const char* kDigits = "0123456789abcdef";
  std::string out(64, '0');
  for (int i = 0; i < 32; ++i) {
    out[2 * i] = kDigits[h[i] >> 4];
    out[2 * i + 1] = kDigits[h[i] & 15];
  }
  return out;
}

Sha256 chain_hash(const Sha256& previous, std::string_view line) {
  Sha256 out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, previous.data(), previous.size());
  EVP_DigestUpdate(ctx, line.data(), line.size());
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &n);
  EVP_MD_CTX_free(ctx);
  return out;
}

void AuditLog::append(Time t, std::string_view kind, uint64_t session, uint64_t saga,
                      std::string_view detail, int64_t amount) {
  char buf[256];
  int n =
      std::snprintf(buf, sizeof buf, "%lld|%.*s|%llu|%llu|%.*s|%lld", static_cast<long long>(t),
                    static_cast<int>(kind.size()), kind.data(),
                    static_cast<unsigned long long>(session), static_cast<unsigned long long>(saga),
                    static_cast<int>(detail.size()), detail.data(), static_cast<long long>(amount));
  AuditRecord record;
  record.seq = next_seq_++;
  record.line.assign(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
  record.hash = chain_hash(head_, record.line);
  head_ = record.hash;
  if (sink_) sink_->append(record);
}

int64_t verify_audit_chain(const std::vector<AuditRecord>& records) {
  Sha256 head{};
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.seq != i || chain_hash(head, r.line) != r.hash) return static_cast<int64_t>(i);
    head = r.hash;
  }
  return -1;
}

}  // namespace checkride
