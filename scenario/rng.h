#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>

#include "protocol/ids.h"

namespace checkride {

// A named random stream derived from the run seed: splitmix64 of (seed, name). Adding a
// fault rule or a workload gets a new stream and does not shift anyone else's draws.
class Stream {
 public:
  Stream(uint64_t seed, std::string_view name)
      : state_(mix64(seed, hash_bytes(name.data(), name.size()))) {}
  // A stream from a state already mixed (a per-call draw: the call's entropy and a salt).
  static Stream from_state(uint64_t state) {
    Stream s(0, "");
    s.state_ = state;
    return s;
  }
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool bernoulli(double p) { return p >= 1.0 || (p > 0.0 && uniform() < p); }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }
  double normal() {
    // Box-Muller; one value per call keeps the stream position easy to reason about.
    double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t state_;
};

}  // namespace checkride
