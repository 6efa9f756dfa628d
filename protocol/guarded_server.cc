#include "protocol/guarded_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

namespace checkride {
namespace {

std::string address_of(const sockaddr_storage& a, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  }
  return text;
}

std::string peer_of(socket_t sock, int& port) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(sock, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "";
  return address_of(a, port);
}

// Waits up to `ms` for `events` on `sock`; true when they came.
bool wait_for(socket_t sock, short events, int ms) {
  pollfd p{sock, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, ms);
  } while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
}

int millis(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

// httplib's request processing reads and writes through a Stream; this is one over a socket,
// with httplib's semantics: reads buffered, each read and write bounded by its timeout.
class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(socket_t sock, int read_ms, int write_ms)
      : sock_(sock), read_ms_(read_ms), write_ms_(write_ms) {}

  bool buffered() const { return at_ < end_; }
  bool is_readable() const override { return buffered() || wait_for(sock_, POLLIN, read_ms_); }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!buffered()) {
      if (!is_readable()) return -1;
      ssize_t n;
      do {
        n = ::recv(sock_, buffer_, sizeof buffer_, 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      at_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, end_ - at_);
    std::copy(buffer_ + at_, buffer_ + at_ + n, ptr);
    at_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_of(sock_, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    ip =
        ::getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &len) == 0 ? address_of(a, port) : "";
  }
  socket_t socket() const override { return sock_; }

 private:
  socket_t sock_;
  int read_ms_, write_ms_;
  char buffer_[4096];
  size_t at_ = 0, end_ = 0;
};

void refuse(socket_t sock, const std::string& client, std::size_t limit) {
  const nlohmann::json error = {
      {"error",
       {{"type", "too_many_connections"},
        {"code", "too_many_connections"},
        {"message", "more than " + std::to_string(limit) + " open connections from " + client +
                        " (the server's --max-connections-per-client)"}}}};
  const std::string body = error.dump();
  const std::string reply =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(sock, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

GuardedServer::GuardedServer(std::size_t per_client, std::size_t max_workers)
    : per_client_(per_client) {
  new_task_queue = [max_workers] { return new ElasticWorkers(max_workers); };
  set_read_timeout(5, 0);
  set_write_timeout(5, 0);
  set_keep_alive_timeout(5);
  set_keep_alive_max_count(1000);
}

bool GuardedServer::tune_listener() {
  const socket_t fd = svr_sock_;
  if (fd == INVALID_SOCKET) return false;
  const int defer_seconds = 5;
  ::setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_seconds, sizeof defer_seconds);
  return ::listen(fd, SOMAXCONN) == 0;
}

bool GuardedServer::admit(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t& open = open_[client];
  if (per_client_ != 0 && open >= per_client_) return false;
  ++open;
  return true;
}

void GuardedServer::release(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(client);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  int port = 0;
  const std::string client = peer_of(sock, port);
  bool served = false;
  if (admit(client)) {
    served = serve_connection(sock);
    release(client);
  } else {
    refused_.fetch_add(1);
    refuse(sock, client, per_client_);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

// httplib's keep-alive loop: requests one after another on the connection, until it idles
// past the keep-alive timeout, reaches the keep-alive count, or the server stops.
bool GuardedServer::serve_connection(socket_t sock) {
  ConnectionStream stream(sock, millis(read_timeout_sec_, read_timeout_usec_),
                          millis(write_timeout_sec_, write_timeout_usec_));
  const int keep_alive_ms = static_cast<int>(keep_alive_timeout_sec_ * 1000);
  auto next_request = [&] {
    if (stream.buffered()) return true;  // pipelined
    for (int waited = 0; waited < keep_alive_ms; waited += 100) {
      if (svr_sock_ == INVALID_SOCKET) return false;  // stopping
      if (wait_for(sock, POLLIN, std::min(100, keep_alive_ms - waited))) return true;
    }
    return false;
  };
  bool ok = false;
  for (std::size_t left = keep_alive_max_count_;
       left > 0 && svr_sock_ != INVALID_SOCKET && next_request(); --left) {
    bool closed = false;
    ok = process_request(stream, left == 1, closed, nullptr);
    if (!ok || closed) break;
  }
  return ok;
}

}  // namespace checkride
