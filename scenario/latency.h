#pragma once
#include <algorithm>
#include <cmath>

#include "scenario/rng.h"
#include "scenario/scenario.h"

namespace checkride {

// Draws a latency from its spec. Lognormal takes the median and the p99 and derives sigma
// from them (p99 = median * e^(2.326 sigma)).
inline Duration draw_latency(const LatencySpec& spec, Stream& stream) {
  switch (spec.kind) {
    case LatencySpec::Kind::kFixed:
      return spec.a;
    case LatencySpec::Kind::kUniform:
      return spec.a +
             static_cast<Duration>(stream.below(static_cast<uint64_t>(spec.b - spec.a + 1)));
    case LatencySpec::Kind::kLognormal: {
      double sigma = std::log(static_cast<double>(spec.b) / static_cast<double>(spec.a)) / 2.326;
      double v = static_cast<double>(spec.a) * std::exp(sigma * stream.normal());
      return std::max<Duration>(1, static_cast<Duration>(std::llround(v)));
    }
  }
  return 0;
}

}  // namespace checkride
