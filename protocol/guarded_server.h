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

namespace checkride {

class GuardedServer : public httplib::Server {
 public:
  // 0: no limit.
  explicit GuardedServer(std::size_t per_client = kDefaultConnectionsPerClient)
      : per_client_(per_client) {}
  std::size_t refused_connections() const { return refused_.load(); }

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
