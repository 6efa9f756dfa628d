#include "orchestrator/audit_log.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstring>

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

namespace {

// One digest context per thread, reused: fetching the algorithm and allocating a context
// per record cost more than the hash itself.
class Sha256Context {
 public:
  Sha256Context() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}
  ~Sha256Context() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Sha256Context(const Sha256Context&) = delete;
  Sha256Context& operator=(const Sha256Context&) = delete;

  Sha256 digest(const Sha256& previous, std::string_view line) {
    Sha256 out{};
    unsigned int n = 0;
    EVP_DigestInit_ex2(ctx_, md_, nullptr);
    EVP_DigestUpdate(ctx_, previous.data(), previous.size());
    EVP_DigestUpdate(ctx_, line.data(), line.size());
    EVP_DigestFinal_ex(ctx_, out.data(), &n);
    return out;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

// Appends `text` to the line buffer, truncating at its end.
void put(char*& at, char* end, std::string_view text) {
  std::size_t n = std::min<std::size_t>(text.size(), static_cast<std::size_t>(end - at));
  std::memcpy(at, text.data(), n);
  at += n;
}

template <typename Int>
void put_int(char*& at, char* end, Int value) {
  at = std::to_chars(at, end, value).ptr;
}

}  // namespace

Sha256 chain_hash(const Sha256& previous, std::string_view line) {
  thread_local Sha256Context context;
  return context.digest(previous, line);
}

void AuditLog::append(Time t, std::string_view kind, uint64_t session, uint64_t saga,
                      std::string_view detail, int64_t amount) {
  uint64_t seq = next_seq_++;
  if (sink_ == nullptr) return;  // nobody keeps the records, so there is no chain to extend
  // "t|kind|session|saga|detail|amount", built without printf (this runs per step).
  char buf[256];
  char* at = buf;
  char* end = buf + sizeof buf - 1;
  put_int(at, end, t);
  put(at, end, "|");
  put(at, end, kind);
  put(at, end, "|");
  put_int(at, end, session);
  put(at, end, "|");
  put_int(at, end, saga);
  put(at, end, "|");
  put(at, end, detail);
  put(at, end, "|");
  put_int(at, end, amount);
  std::string_view line(buf, static_cast<std::size_t>(at - buf));
  head_ = chain_hash(head_, line);
  sink_->append(seq, line, head_);
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
