#include "protocol/audit_record.h"

#include <openssl/evp.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/json_input.h"

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

template <typename Int>
bool parse_int(std::string_view text, Int& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool from_hex(const std::string& text, Sha256& out) {
  if (text.size() != 64) return false;
  for (int i = 0; i < 32; ++i) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, value, 16);
    if (ec != std::errc() || ptr != text.data() + 2 * i + 2) return false;
    out[i] = static_cast<uint8_t>(value);
  }
  return true;
}

}  // namespace

Sha256 chain_hash(const Sha256& previous, std::string_view line) {
  thread_local Sha256Context context;
  return context.digest(previous, line);
}

int64_t verify_audit_chain(const std::vector<AuditRecord>& records) {
  AuditChainCheck check;
  for (const auto& r : records) {
    check.add(r);
    if (check.first_bad() >= 0) return check.first_bad();
  }
  return -1;
}

bool split_audit_line(std::string_view line, AuditFields& out) {
  std::size_t pos[4];
  std::size_t from = 0;
  for (auto& p : pos) {
    p = line.find('|', from);
    if (p == std::string_view::npos) return false;
    from = p + 1;
  }
  std::size_t last = line.rfind('|');
  if (last <= pos[3]) return false;
  out.kind = std::string(line.substr(pos[0] + 1, pos[1] - pos[0] - 1));
  out.detail = std::string(line.substr(pos[3] + 1, last - pos[3] - 1));
  return parse_int(line.substr(0, pos[0]), out.t) &&
         parse_int(line.substr(pos[1] + 1, pos[2] - pos[1] - 1), out.session) &&
         parse_int(line.substr(pos[2] + 1, pos[3] - pos[2] - 1), out.saga) &&
         parse_int(line.substr(last + 1), out.amount);
}

std::string audit_record_json(const AuditRecord& record) {
  nlohmann::ordered_json j;
  j["seq"] = record.seq;
  j["line"] = record.line;
  j["hash"] = to_hex(record.hash);
  return j.dump();
}

std::vector<AuditRecord> parse_audit_jsonl(const std::string& text, const std::string& origin) {
  std::vector<AuditRecord> out;
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    if (raw.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = parse_json(raw);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(origin, line, "", std::string("not valid JSON: ") + e.what());
    }
    AuditRecord r;
    if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned()) {
      throw InputError(origin, line, "seq", "expected a non-negative integer");
    }
    if (!j.contains("line") || !j["line"].is_string()) {
      throw InputError(origin, line, "line", "expected the record line as a string");
    }
    if (!j.contains("hash") || !j["hash"].is_string() ||
        !from_hex(j["hash"].get<std::string>(), r.hash)) {
      throw InputError(origin, line, "hash", "expected 64 hex digits");
    }
    r.seq = j["seq"].get<uint64_t>();
    r.line = j["line"].get<std::string>();
    AuditFields fields;
    if (!split_audit_line(r.line, fields)) {
      throw InputError(origin, line, "line", "expected \"t|kind|session|saga|detail|amount\"");
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace checkride
