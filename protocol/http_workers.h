#pragma once
// Included only by the HTTP hosts (serve orchestrator, serve fakes, record llm), which link
// cpp-httplib; it sits in protocol/ because hosts on both sides of the layering share it.
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstddef>
#include <cstdlib>
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

// The timeouts every checkride HTTP host sets: a client that sends nothing for `read_s`
// seconds, or idles between keep-alive requests longer than `keep_alive_s`, is let go.
inline void bound_slow_clients(httplib::Server& server, std::size_t max_workers) {
  server.new_task_queue = [max_workers] { return new ElasticWorkers(max_workers); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(1000);
}

// Two fixes to cpp-httplib 0.11's listening socket, found once bound among this process's
// descriptors:
// - it listens with a backlog of 5: a burst of connections (a drive ramping up, an
//   attacker's sockets) overflowed it, and each dropped SYN cost its client a second. It
//   listens again with the system's maximum (Linux takes a second listen() as the new size).
// - it hands a connection to a worker at once, and the worker polls it every 10 ms for as
//   long as the keep-alive timeout while it sends nothing: 2,000 idle connections kept both
//   cores busy and nobody was served. TCP_DEFER_ACCEPT keeps a connection in the kernel
//   until its first bytes arrive; one that sends none is dropped there.
inline bool tune_listener(int port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool widened = false;
  while (dirent* e = ::readdir(dir)) {
    const int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    int bound = addr.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                : addr.ss_family == AF_INET6
                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                    : -1;
    if (bound != port) continue;
    const int defer_seconds = 5;
    ::setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_seconds, sizeof defer_seconds);
    if (::listen(fd, SOMAXCONN) == 0) widened = true;
  }
  ::closedir(dir);
  return widened;
}

}  // namespace checkride
