#include "protocol/rsa_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdexcept>
#include <vector>

#include "protocol/crypto.h"

namespace checkride {

struct RsaSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

std::string big_number(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) throw std::runtime_error("RSA key param");
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return bytes;
}

}  // namespace

std::string base64url_text(std::string_view bytes) {
  return base64url(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

bool base64url_decode(std::string_view in, std::string& out) {
  std::string b64(in);
  for (char& c : b64) {
    if (c == '+' || c == '/' || c == '=') return false;  // not the URL-safe alphabet
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (b64.size() % 4 != 0) b64 += '=';
  return base64_decode(b64, out);
}

RsaSigner::RsaSigner(std::string kid) : kid_(std::move(kid)), key_(std::make_unique<Key>()) {
  key_->pkey = EVP_RSA_gen(2048);
  if (key_->pkey == nullptr) throw std::runtime_error("OpenSSL could not make an RSA key");
}

RsaSigner::~RsaSigner() = default;

std::string RsaSigner::sign_jwt(const nlohmann::json& claims, std::string_view typ) const {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", std::string(typ)}, {"kid", kid_}};
  std::string input = base64url_text(header.dump()) + "." + base64url_text(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t n = 0;
  std::vector<unsigned char> sig;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
            EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  if (ok) {
    sig.resize(n);
    ok = EVP_DigestSign(ctx, sig.data(), &n, reinterpret_cast<const unsigned char*>(input.data()),
                        input.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("OpenSSL could not sign a JWT");
  return input + "." + base64url(sig.data(), n);
}

bool RsaSigner::verify_jwt(std::string_view jwt, nlohmann::json& claims) const {
  std::size_t a = jwt.find('.'), b = jwt.rfind('.');
  if (a == std::string_view::npos || a == b) return false;
  std::string sig, payload;
  if (!base64url_decode(jwt.substr(b + 1), sig) ||
      !base64url_decode(jwt.substr(a + 1, b - a - 1), payload))
    return false;
  std::string_view input = jwt.substr(0, b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return false;
  claims = nlohmann::json::parse(payload, nullptr, false);
  return claims.is_object();
}

nlohmann::json RsaSigner::jwk() const {
  return {{"kty", "RSA"},
          {"use", "sig"},
          {"alg", "RS256"},
          {"kid", kid_},
          {"n", base64url_text(big_number(key_->pkey, OSSL_PKEY_PARAM_RSA_N))},
          {"e", base64url_text(big_number(key_->pkey, OSSL_PKEY_PARAM_RSA_E))}};
}

}  // namespace checkride
