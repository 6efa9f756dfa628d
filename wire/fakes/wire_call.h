#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "scenario/fault_applier.h"
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

// The wire's side of a provider call under a fault (scenario/fault_applier.h): the
// Idempotency-Key, scoped by the caller's credential, is looked up before the call reaches
// the world, and may answer it (a replay, a mismatch, a key in use); a latency fault sleeps
// outside the lock; the world acts under the lock, and the answer is kept under the key there.
class WireCall final : public FaultedCall {
 public:
  WireCall(FakeState& state, Op op, ErrorStyle style, const httplib::Request& req,
           httplib::Response& res, const std::function<WireAnswer(Time now)>& act);
  bool reach_provider(Duration delay) override;
  void at_provider(ProviderStep& step) override;
  ObjectId act(World& world, Time now) override;  // REQUIRES: state.mu held (at_provider)
  TokenId token() const override;                 // REQUIRES: state.mu held
  UserId user(const World& world, Time now) const override;
  void rotate_signing_key(bool keep_old_key) override;
  // The provider's answer, once it ran.
  WireAnswer& answer() { return answer_; }
  const std::string& key() const { return key_; }

 private:
  FakeState& state_;
  Op op_;
  ErrorStyle style_;
  const httplib::Request& req_;
  httplib::Response& res_;
  const std::function<WireAnswer(Time now)>& act_;
  std::string key_;
  std::string scoped_;  // the key in its credential's scope, once looked up
  WireAnswer answer_;
};

// Serves one provider call the way every fake face does: the fault plan decides, the one
// fault applier strikes (a WireCall), and its outcome becomes HTTP: a reset or a lost answer
// drops the connection, no answer holds it, an injected error answers in the face's shape.
// `act` runs under the world's lock and gets the wire time.
void serve_call(FakeState& state, Op op, ErrorStyle style, const httplib::Request& req,
                httplib::Response& res, const std::function<WireAnswer(Time now)>& act);

// Resets the request's TCP connection (RST, no response): the `reset` and `lost_response`
// faults. httplib does not expose the socket, so it is found by its addresses.
void drop_connection(const httplib::Request& req);

// The request's credential: a Bearer token, or the user name of Basic auth (how Stripe
// also takes its key); "" when there is none.
std::string credential_of(const httplib::Request& req);

}  // namespace checkride
