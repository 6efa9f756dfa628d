#pragma once
// The worker pool of GuardedServer, the server of every checkride HTTP host.
#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace checkride {

// httplib serves each connection on one worker for its whole life, so with a fixed pool
// 300 clients sending a byte a second (or 2,000 idle keep-alive connections) took every
// worker and nobody else was served. This pool starts a worker whenever none is idle, up to
// `max_workers`, so a slow or idle client costs one parked thread, not everyone's service.
class ElasticWorkers : public httplib::TaskQueue {
 public:
  explicit ElasticWorkers(std::size_t max_workers) : max_(max_workers) {}
  ~ElasticWorkers() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(fn));
    // Every waiting job needs a worker of its own: a job here is a connection's whole life.
    if (jobs_.size() > idle_ && threads_.size() < max_) {
      threads_.emplace_back([this] { work(); });
    } else {
      cv_.notify_one();
    }
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  std::size_t workers() {
    std::lock_guard<std::mutex> lock(mu_);
    return threads_.size();
  }

 private:
  void work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping, nothing left
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  const std::size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

// Workers one server may start: each parked one costs a thread's stack, mostly untouched.
inline constexpr std::size_t kMaxWorkers = 4096;

}  // namespace checkride
