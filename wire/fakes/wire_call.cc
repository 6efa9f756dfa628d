#include "wire/fakes/wire_call.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "protocol/crypto.h"
#include "protocol/invariant.h"
#include "scenario/fault_applier.h"

namespace checkride {
namespace {

constexpr Duration kNoAnswerHold = 120 * kSecond;  // longer than any sane client timeout

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

std::string stripe_type(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCardDeclined:
    case ErrorCode::kInsufficientFunds:
      return "card_error";
    case ErrorCode::kIdempotencyError:
    case ErrorCode::kIdempotencyKeyInUse:
      return "idempotency_error";
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout:
      return "api_error";
    default:
      return "invalid_request_error";
  }
}

std::string stripe_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCardDeclined:
    case ErrorCode::kInsufficientFunds:
      return "card_declined";
    case ErrorCode::kIdempotencyKeyInUse:
      return "idempotency_key_in_use";
    case ErrorCode::kRateLimited:
      return "rate_limit";
    case ErrorCode::kInvalidToken:
      return "api_key_expired";
    case ErrorCode::kNotFound:
      return "resource_missing";
    case ErrorCode::kInvalidState:
      return "payment_intent_unexpected_state";
    default:
      return "";
  }
}

std::string oauth_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidGrant:
      return "invalid_grant";
    case ErrorCode::kInvalidToken:
      return "invalid_client";
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout:
    case ErrorCode::kRateLimited:
      return "temporarily_unavailable";
    default:
      return "invalid_request";
  }
}

uint64_t fingerprint(const httplib::Request& req) {
  uint64_t h = hash_bytes(req.method.data(), req.method.size());
  h = hash_bytes(req.path.data(), req.path.size(), h);
  return hash_bytes(req.body.data(), req.body.size(), h);
}

}  // namespace

const char* stripe_should_retry(int status) {
  return status == 409 || status == 429 || status == 503 || status == 500 ? "true" : "false";
}

WireAnswer error_answer(ErrorStyle style, ErrorCode code, int status, const std::string& message,
                        const std::string& param) {
  WireAnswer a;
  a.status = status;
  switch (style) {
    case ErrorStyle::kStripe: {
      nlohmann::json e = {{"type", stripe_type(code)}, {"message", message}};
      if (std::string c = stripe_code(code); !c.empty()) e["code"] = c;
      if (code == ErrorCode::kCardDeclined) e["decline_code"] = "generic_decline";
      if (code == ErrorCode::kInsufficientFunds) e["decline_code"] = "insufficient_funds";
      if (!param.empty()) e["param"] = param;
      a.body = {{"error", e}};
      // Stripe-Should-Retry, as Stripe sends it: yes when nothing ran and a retry may
      // succeed (a conflict on the key, a rate limit, the API unavailable), no otherwise.
      a.headers.emplace_back("Stripe-Should-Retry", stripe_should_retry(status));
      break;
    }
    case ErrorStyle::kOAuth:
      a.body = {{"error", oauth_code(code)}, {"error_description", message}};
      a.headers.emplace_back("Cache-Control", "no-store");
      a.headers.emplace_back("Pragma", "no-cache");
      break;
    case ErrorStyle::kJson:
      a.body = {{"error", {{"code", std::string(error_name(code))}, {"message", message}}}};
      if (!param.empty()) a.body["error"]["param"] = param;
      break;
  }
  if (code == ErrorCode::kInvalidToken && style != ErrorStyle::kOAuth) {
    a.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  }
  return a;
}

void send_answer(const WireAnswer& answer, httplib::Response& res) {
  res.status = answer.status;
  for (const auto& [k, v] : answer.headers) res.set_header(k, v);
  // Replace, never throw: a message may quote bytes a client sent.
  res.set_content(answer.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

std::string credential_of(const httplib::Request& req) {
  std::string auth = req.get_header_value("Authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0))
    return auth.substr(7);
  std::string decoded;
  if (auth.rfind("Basic ", 0) == 0 && base64_decode(auth.substr(6), decoded)) {
    return decoded.substr(0, decoded.find(':'));  // Stripe's other form: the key as user name
  }
  return "";
}

void drop_connection(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage local{}, peer{};
    socklen_t n1 = sizeof local, n2 = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &n1) != 0) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &n2) != 0) continue;
    if (port_of(local) != req.local_port || port_of(peer) != req.remote_port) continue;
    linger hard{1, 0};  // close() then sends RST instead of FIN
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    shutdown(fd, SHUT_RDWR);
    break;
  }
  closedir(dir);
}

namespace {

// Answers a request whose Idempotency-Key was seen before, or is in use: true when it did.
bool answered_by_key(FakeState& state, Op op, ErrorStyle style, const httplib::Request& req,
                     httplib::Response& res, const std::string& key, const std::string& scoped) {
  HttpIdempotency::Stored stored;
  switch (state.keys(provider_of(op)).begin(scoped, fingerprint(req), state.now(), stored)) {
    case HttpIdempotency::Lookup::kNew:
      return false;
    case HttpIdempotency::Lookup::kReplay:
      res.status = stored.status;
      res.set_header("Idempotent-Replayed", "true");
      res.set_header("Idempotency-Key", key);
      // A replayed error carries the retry signal its first answer did.
      if (style == ErrorStyle::kStripe && stored.status >= 400)
        res.set_header("Stripe-Should-Retry", stripe_should_retry(stored.status));
      res.set_content(stored.body, "application/json");
      return true;
    case HttpIdempotency::Lookup::kMismatch:
      send_answer(error_answer(style, ErrorCode::kIdempotencyError, 400,
                               "Keys for idempotent requests can only be used with the same "
                               "parameters they were first used with.",
                               "Idempotency-Key"),
                  res);
      return true;
    case HttpIdempotency::Lookup::kInFlight:
      send_answer(error_answer(style, ErrorCode::kIdempotencyKeyInUse, 409,
                               "There is currently another in-progress request using this "
                               "Idempotency-Key. Retry after the first has completed."),
                  res);
      return true;
  }
  return true;
}

// An injected error in the face's own error shape.
WireAnswer injected_error(ErrorStyle style, const CallOutcome& o) {
  WireAnswer a = error_answer(style, o.error, o.http_status,
                              "injected fault: " + std::string(error_name(o.error)));
  if (o.error == ErrorCode::kRateLimited) {
    a.headers.emplace_back("Retry-After", std::to_string((o.retry_after + 999) / 1000));
  }
  return a;
}

}  // namespace

WireCall::WireCall(FakeState& state, Op op, ErrorStyle style, const httplib::Request& req,
                   httplib::Response& res, const std::function<WireAnswer(Time now)>& act)
    : state_(state),
      op_(op),
      style_(style),
      req_(req),
      res_(res),
      act_(act),
      key_(req.get_header_value("Idempotency-Key")) {}

bool WireCall::reach_provider(Duration delay) {
  if (!key_.empty()) {
    std::lock_guard<HeldMutex> lock(state_.mu);
    scoped_ = state_.idempotency_scope(credential_of(req_)) + "\n" + key_;
    if (answered_by_key(state_, op_, style_, req_, res_, key_, scoped_)) return false;
  }
  if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  return true;
}

void WireCall::at_provider(ProviderStep& step) {
  std::lock_guard<HeldMutex> lock(state_.mu);
  step(state_.world(), state_.now());
}

ObjectId WireCall::act(World&, Time now) {
  CHECKRIDE_INVARIANT(state_.mu.held(), "a wire call acts on the world under the fakes' lock");
  answer_ = act_(now);
  ObjectId made = 0;
  if (answer_.status < 300 && answer_.body.contains("__object")) {
    made = answer_.body["__object"].get<ObjectId>();
  }
  answer_.body.erase("__object");
  if (!scoped_.empty() && answer_.keep) {
    state_.keys(provider_of(op_)).finish(scoped_, answer_.status, answer_.body.dump(), now);
  } else if (!scoped_.empty()) {
    state_.keys(provider_of(op_)).abandon(scoped_);
  }
  return made;
}

TokenId WireCall::token() const {
  CHECKRIDE_INVARIANT(state_.mu.held(), "a token is read under the fakes' lock");
  return state_.token_id(credential_of(req_));
}

UserId WireCall::user(const World& world, Time now) const {
  return world.identity.introspect(token(), now).user;
}

void WireCall::rotate_signing_key(bool keep_old_key) { state_.rotate_signing_key(keep_old_key); }

void serve_call(FakeState& state, Op op, ErrorStyle style, const httplib::Request& req,
                httplib::Response& res, const std::function<WireAnswer(Time now)>& act) {
  CallFault f;
  {
    std::lock_guard<HeldMutex> lock(state.mu);
    f = state.fault_for(op);
  }
  WireCall call(state, op, style, req, res, act);
  const CallOutcome outcome = apply_call_fault(f, op, call);
  switch (outcome.fate) {
    case CallOutcome::Fate::kHeldByHost:
      return;  // answered under its Idempotency-Key
    case CallOutcome::Fate::kReset:
    case CallOutcome::Fate::kAnswerLost:  // committed; the caller never hears of it
      drop_connection(req);
      return;
    case CallOutcome::Fate::kNoAnswer:  // the timeout fault: the request is never answered
      state.wait_or_stop(kNoAnswerHold);
      drop_connection(req);
      return;
    case CallOutcome::Fate::kError:
      send_answer(injected_error(style, outcome), res);
      return;
    case CallOutcome::Fate::kAnswered:
      break;
  }
  if (!call.key().empty()) call.answer().headers.emplace_back("Idempotency-Key", call.key());
  send_answer(call.answer(), res);
}

}  // namespace checkride
