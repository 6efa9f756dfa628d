#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>
#include <thread>

#include "protocol/time.h"
#include "reports/histogram.h"

namespace checkride {

// What a drive has done so far, for the progress line a person at a terminal watches: the
// achieved rate, sessions in flight, dropped ones and the request p99 so far. The players
// and the arrival loop write it from their threads; the wall clock it is read with never
// reaches a report.
class DriveProgress {
 public:
  void session_queued() { queued_.fetch_add(1, std::memory_order_relaxed); }
  void session_ended() { ended_.fetch_add(1, std::memory_order_relaxed); }
  void session_dropped() { dropped_.fetch_add(1, std::memory_order_relaxed); }
  void request_answered(Duration took);

  // "drive: 1200 sessions (998/s), 14 in flight, 0 dropped, 7200 actions answered, p99 12 ms"
  // (the p99 of action requests, as the report's "request" latency).
  std::string line(double elapsed_seconds) const;

 private:
  std::atomic<int64_t> queued_{0}, ended_{0}, dropped_{0};
  mutable std::mutex mu_;  // guards requests_
  LogHistogram requests_;
};

// While it lives, and when `on`, prints the progress line on `err` twice a second, each over
// the last ("\r", erase line), and erases it at the end.
class ProgressTicker {
 public:
  ProgressTicker(const DriveProgress& progress, std::ostream& err, bool on);
  ~ProgressTicker();
  ProgressTicker(const ProgressTicker&) = delete;
  ProgressTicker& operator=(const ProgressTicker&) = delete;

 private:
  void tick();

  const DriveProgress& progress_;
  std::ostream& err_;
  std::mutex mu_;  // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace checkride
