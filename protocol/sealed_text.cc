#include "protocol/sealed_text.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "protocol/crypto.h"

namespace checkride {
namespace {

constexpr std::string_view kPrefix = "sealed1:";
constexpr int kNonceBytes = 12, kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("OpenSSL EVP_CIPHER_CTX_new failed");
  return ctx;
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(raw),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

TextSealer::TextSealer(std::string_view secret) {
  Sha256 k = hmac_sha256(secret, "checkride/store-names/aes-256-gcm");
  std::copy(k.begin(), k.end(), cipher_key_.begin());
  Sha256 n = hmac_sha256(secret, "checkride/store-names/nonce");
  nonce_key_.assign(n.begin(), n.end());
}

bool TextSealer::is_sealed(std::string_view stored) { return stored.starts_with(kPrefix); }

std::string TextSealer::seal(std::string_view plain) const {
  Sha256 mac = hmac_sha256(nonce_key_, plain);
  std::string raw(reinterpret_cast<const char*>(mac.data()), kNonceBytes);
  raw.resize(kNonceBytes + plain.size() + kTagBytes);
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  CipherContext ctx = new_context();
  int n = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, cipher_key_.data(), out) == 1 &&
      EVP_EncryptUpdate(ctx.get(), out + kNonceBytes, &n, bytes(plain),
                        static_cast<int>(plain.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), out + kNonceBytes + n, &n) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          out + kNonceBytes + plain.size()) == 1;
  if (!ok) throw std::runtime_error("OpenSSL AES-256-GCM encryption failed");
  return std::string(kPrefix) + base64(raw);
}

std::optional<std::string> TextSealer::open(std::string_view stored) const {
  if (!is_sealed(stored)) return std::string(stored);
  std::string raw;
  if (!base64_decode(stored.substr(kPrefix.size()), raw)) return std::nullopt;
  if (raw.size() < static_cast<std::size_t>(kNonceBytes + kTagBytes)) return std::nullopt;
  const std::size_t length = raw.size() - kNonceBytes - kTagBytes;
  auto* in = reinterpret_cast<unsigned char*>(raw.data());
  std::string plain(length, '\0');
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  CipherContext ctx = new_context();
  int n = 0;
  bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, cipher_key_.data(), in) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out, &n, in + kNonceBytes, static_cast<int>(length)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, in + kNonceBytes + length) ==
          1 &&
      EVP_DecryptFinal_ex(ctx.get(), out + n, &n) == 1;
  if (!ok) return std::nullopt;
  return plain;
}

}  // namespace checkride
