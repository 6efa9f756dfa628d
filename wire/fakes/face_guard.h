#pragma once
#include <string>

#include "protocol/utf8.h"
#include "wire/fakes/wire_call.h"

namespace httplib {
class Server;
}

namespace checkride {

// What every face does before and after its routes, so that no input reaches a 500 or an
// empty body: a request with invalid UTF-8 or a NUL anywhere (path, query, headers, body)
// is a 400 before any state changes; an unknown route or method, a body over the limit and
// anything a handler threw answer in the face's own error shape (Stripe's error object,
// RFC 6749, or JSON).
void guard_face(httplib::Server& server, ErrorStyle style);

}  // namespace checkride
