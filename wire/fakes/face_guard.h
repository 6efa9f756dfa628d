#pragma once
#include <string>

#include "protocol/utf8.h"
#include "wire/fakes/wire_call.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace checkride {

// What every face does before and after its routes, so that no input reaches a 500 or an
// empty body: a request with invalid UTF-8 or a NUL anywhere (path, query, headers, body)
// is a 400 before any state changes; an unknown route or method, a body over the limit and
// anything a handler threw answer in the face's own error shape (Stripe's error object,
// RFC 6749, or JSON).
void guard_face(httplib::Server& server, ErrorStyle style);
// The pre-routing check alone, for a face with a pre-routing handler of its own: true when
// it answered a 400 because the request is not clean text.
bool refuse_unclean(const httplib::Request& req, httplib::Response& res, ErrorStyle style);

}  // namespace checkride
