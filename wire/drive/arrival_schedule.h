#pragma once
#include <cmath>
#include <cstdint>

namespace checkride {

// When the i-th session of an open-model load should start, in seconds after the start:
// a constant rate, or one that climbs linearly from `from` to `to` over `ramp_s` seconds
// (then stays at `to`). Open model: arrivals do not wait for earlier sessions to finish.
class ArrivalSchedule {
 public:
  ArrivalSchedule(double from, double to, double ramp_s)
      : from_(from), to_(to > 0 ? to : from), ramp_s_(ramp_s > 0 ? ramp_s : 0) {}

  double start_of(int64_t i) const {
    double n = static_cast<double>(i);
    if (ramp_s_ == 0 || to_ == from_) return n / from_;
    // Arrivals by time t during the ramp: from*t + (to-from)*t^2/(2*ramp); solve for t.
    double a = (to_ - from_) / (2 * ramp_s_), b = from_;
    double ramp_total = b * ramp_s_ + a * ramp_s_ * ramp_s_;
    if (n <= ramp_total) return (-b + std::sqrt(b * b + 4 * a * n)) / (2 * a);
    return ramp_s_ + (n - ramp_total) / to_;
  }

 private:
  double from_, to_, ramp_s_;
};

}  // namespace checkride
