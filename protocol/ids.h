#pragma once
#include <cstdint>

namespace checkride {

// Ids are dense integers on the hot path; strings exist only at the edges.
using SessionId = uint64_t;
using UserId = uint64_t;
using CallId = uint64_t;
using TimerId = uint64_t;
using SagaId = uint64_t;
using ObjectId = uint64_t;        // a provider's object: reservation, payment intent, hold, order
using IdempotencyKey = uint64_t;  // 0 means "no key sent"
using TokenId = uint64_t;         // an opaque OAuth token
using PaymentMethodId = uint64_t;

// splitmix64 finalizer: the one mixing function used for keys, streams and fingerprints.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
constexpr uint64_t mix64(uint64_t a, uint64_t b) { return mix64(a ^ mix64(b)); }

// FNV-1a over bytes, used to turn names and keys into 64-bit values.
constexpr uint64_t hash_bytes(const char* data, std::size_t n, uint64_t h = 0xcbf29ce484222325ULL) {
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace checkride
