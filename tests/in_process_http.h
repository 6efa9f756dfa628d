#pragma once
#include <httplib.h>

#include <string>

namespace checkride {

// An httplib::Server whose routes are called in process, without a socket: `handle` parses
// one raw HTTP/1.1 request, runs it through the server's whole request handling (pre-routing
// handler, routes, error and exception handlers, payload limit) and returns the raw response.
// The Debian cpp-httplib (0.11) keeps that handling protected, so a subclass drives it over
// an in-memory stream; the fuzz target and the tests use the same door.
class InProcessHttpServer : public httplib::Server {
 public:
  // "" when httplib answered nothing (a request line it could not read).
  std::string handle(const std::string& raw_request, const std::string& remote_ip = "127.0.0.1");
};

// The status code of a raw response, 0 when there is none.
int status_of(const std::string& raw_response);
// The body of a raw response (after the blank line).
std::string body_of(const std::string& raw_response);

}  // namespace checkride
