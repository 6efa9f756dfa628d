#include "wire/drive/drive_progress.h"

#include <chrono>
#include <cstdio>
#include <ostream>

namespace checkride {

void DriveProgress::request_answered(Duration took) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.record(took);
}

std::string DriveProgress::line(double elapsed_seconds) const {
  const int64_t ended = ended_.load(std::memory_order_relaxed);
  const int64_t dropped = dropped_.load(std::memory_order_relaxed);
  const int64_t in_flight = queued_.load(std::memory_order_relaxed) - ended - dropped;
  uint64_t requests = 0;
  int64_t p99 = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests = requests_.count();
    p99 = requests_.percentile(0.99);
  }
  const double rate = elapsed_seconds > 0 ? static_cast<double>(ended) / elapsed_seconds : 0;
  char text[200];
  std::snprintf(
      text, sizeof text,
      "drive: %lld sessions (%.0f/s), %lld in flight, %lld dropped, %llu actions answered, "
      "p99 %lld ms",
      static_cast<long long>(ended), rate, static_cast<long long>(in_flight),
      static_cast<long long>(dropped), static_cast<unsigned long long>(requests),
      static_cast<long long>(p99));
  return text;
}

ProgressTicker::ProgressTicker(const DriveProgress& progress, std::ostream& err, bool on)
    : progress_(progress), err_(err) {
  if (on) thread_ = std::thread([this] { tick(); });
}

ProgressTicker::~ProgressTicker() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  err_ << "\r\033[K" << std::flush;
}

void ProgressTicker::tick() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; })) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    err_ << "\r\033[K" << progress_.line(elapsed) << std::flush;
  }
}

}  // namespace checkride
