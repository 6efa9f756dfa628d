// An httplib::Server that bounds what one client can take: at most `per_client` open
// connections from one address (more are answered 503 and closed before a worker reads
// them), so one client's slow or idle connections cannot hold every worker. Everything else
// (routing, handlers, timeouts, keep-alive) is httplib's.
//
// cpp-httplib 0.11 has no hook for an accepted connection, but its per-connection step is a
// virtual member: this class overrides it and serves the connection with httplib's own
// request processing over its own socket stream.
#pragma once
#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "protocol/connection_limit.h"
#include "protocol/http_workers.h"

namespace checkride {

// Every checkride host's bounds on slow and idle clients: a worker per waiting connection
// (ElasticWorkers, up to `max_workers`), 5 s read and write timeouts, keep-alive connections
// idle 5 s at most and serving 1,000 requests each.
class GuardedServer : public httplib::Server {
 public:
  // `per_client` 0: no limit.
  explicit GuardedServer(std::size_t per_client = kDefaultConnectionsPerClient,
                         std::size_t max_workers = kMaxWorkers);
  std::size_t refused_connections() const { return refused_.load(); }
  // Once bound, two fixes to cpp-httplib 0.11's listening socket:
  // - it listens with a backlog of 5: a burst of connections (a drive ramping up, an
  //   attacker's sockets) overflowed it, and each dropped SYN cost its client a second. It
  //   listens again with the system's maximum (Linux takes a second listen() as the new size).
  // - it hands a connection to a worker at once, and the worker polls it every 10 ms for as
  //   long as the keep-alive timeout while it sends nothing: 2,000 idle connections kept both
  //   cores busy and nobody was served. TCP_DEFER_ACCEPT keeps a connection in the kernel
  //   until its first bytes arrive; one that sends none is dropped there.
  // False when not bound.
  bool tune_listener();

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool serve_connection(socket_t sock);
  bool admit(const std::string& client);
  void release(const std::string& client);

  const std::size_t per_client_;
  std::mutex mu_;
  std::map<std::string, std::size_t> open_;  // connections open per client address
  std::atomic<std::size_t> refused_{0};
};

}  // namespace checkride
