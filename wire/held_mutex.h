#pragma once
#include <atomic>
#include <mutex>
#include <thread>

namespace checkride {

// A mutex that knows which thread holds it, so code that needs it held can say so with an
// invariant instead of a comment: CHECKRIDE_INVARIANT(mu.held(), ...). It is Lockable, so
// std::lock_guard, std::unique_lock and std::condition_variable_any take it.
class HeldMutex {
 public:
  void lock() {
    mu_.lock();
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  }
  bool try_lock() {
    if (!mu_.try_lock()) return false;
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    return true;
  }
  void unlock() {
    owner_.store(std::thread::id(), std::memory_order_relaxed);
    mu_.unlock();
  }
  // True when the calling thread holds it. Only the holder writes its own id, so a thread
  // that reads its own id here does hold it.
  bool held() const { return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

 private:
  std::mutex mu_;
  std::atomic<std::thread::id> owner_{};
};

}  // namespace checkride
