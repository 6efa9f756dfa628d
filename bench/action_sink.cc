// A benchmark instrument, not a fake: an HTTP server that accepts the action protocol of
// docs/wire.md and answers every request at once without doing any work. It measures the
// load generators themselves: `checkride drive` and `wrk` against the same endpoint, so
// drive's ceiling can be compared with wrk's (bench/wire_bench.sh).
//
//   action_sink PORT_FILE   binds 127.0.0.1 on any free port, writes the port to PORT_FILE
//
// POST /v1/sessions and /v1/sessions/{id}/consents answer 201; POST /v1/actions answers 200
// with the result {"status":"ok"} echoing request_id; GET /v1/sessions/{id} answers 404 (an
// orchestrator that does not report settling, so drive does not wait to drain).
#include <httplib.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "protocol/action_wire.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: action_sink PORT_FILE\n";
    return 2;
  }
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(256); };
  server.set_keep_alive_max_count(1000000);
  server.set_tcp_nodelay(true);
  auto created = [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content("{}", "application/json");
  };
  server.Post("/v1/sessions", created);
  server.Post(R"(/v1/sessions/[^/]+/consents)", created);
  server.Post("/v1/actions", [](const httplib::Request& req, httplib::Response& res) {
    // Parsed like the real service does, so the sink's cost per request is not zero work.
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    checkride::ActionResult result;
    result.status = checkride::ActionStatus::kOk;
    result.request_id = body.is_object() ? body.value("request_id", uint64_t{0}) : 0;
    res.set_content(checkride::action_result_json(result).dump(), "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "action_sink: cannot bind 127.0.0.1\n";
    return 1;
  }
  std::ofstream(argv[1]) << port << "\n";
  server.listen_after_bind();
  return 0;
}
