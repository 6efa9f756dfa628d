#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "wire/fakes/fake_state.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace checkride {

// How a face writes its errors: Stripe's error object, RFC 6749's, or the catalog and
// bookings APIs' {"error":{"code","message"}}.
enum class ErrorStyle { kStripe, kOAuth, kJson };

struct WireAnswer {
  int status = 200;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
  // False for a request refused before it executed (failed validation): Stripe stores a
  // result under the Idempotency-Key only once execution starts, so a corrected retry with
  // the same key runs.
  bool keep = true;
};

// Stripe-Should-Retry for an error status: "true" when nothing ran and a retry may succeed
// (a conflict on the key, a rate limit, the API unavailable), "false" otherwise.
const char* stripe_should_retry(int status);
WireAnswer error_answer(ErrorStyle style, ErrorCode code, int status, const std::string& message,
                        const std::string& param = {});
void send_answer(const WireAnswer& answer, httplib::Response& res);

// Serves one provider call the way every fake face does: the fault rules decide first
// (reset, error, no answer, added latency); then the Idempotency-Key, scoped by the
// caller's credential; then `act` runs under the world's lock; a lost_response fault then
// drops the connection after the world has committed. `act` gets the wire time.
void serve_call(FakeState& state, Op op, ErrorStyle style, const httplib::Request& req,
                httplib::Response& res, const std::function<WireAnswer(Time now)>& act);

// Resets the request's TCP connection (RST, no response): the `reset` and `lost_response`
// faults. httplib does not expose the socket, so it is found by its addresses.
void drop_connection(const httplib::Request& req);

// The request's credential: a Bearer token, or the user name of Basic auth (how Stripe
// also takes its key); "" when there is none.
std::string credential_of(const httplib::Request& req);

}  // namespace checkride
