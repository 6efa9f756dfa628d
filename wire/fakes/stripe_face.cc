#include "wire/fakes/stripe_face.h"

#include <set>

#include "protocol/form_body.h"
#include "wire/fakes/face_guard.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/wire_call.h"

namespace checkride {
namespace {

constexpr std::size_t kMaxStripeBody = 1 << 20;

// Params Stripe takes as a hash or a list; every other param is a string, and Stripe
// refuses a hash or list given for it (currency[]=usd) before anything runs.
bool takes_hash_or_list(const std::string& name) {
  static const std::set<std::string> kStructured = {"metadata",
                                                    "expand",
                                                    "payment_method_types",
                                                    "payment_method_options",
                                                    "payment_method_data",
                                                    "shipping",
                                                    "transfer_data",
                                                    "automatic_payment_methods",
                                                    "mandate_data",
                                                    "enabled_events"};
  return kStructured.count(name) > 0;
}

}  // namespace

bool stripe_authenticate(FakeState& state, const httplib::Request& req, httplib::Response& res) {
  std::string bearer = credential_of(req);
  if (bearer.rfind("sk_test_", 0) == 0) return true;
  if (bearer.empty()) {
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 401,
                             "You did not provide an API key. Provide it as a Bearer token."),
                res);
    return false;
  }
  std::lock_guard<HeldMutex> lock(state.mu);
  if (!state.world().identity.token_active(state.token_id(bearer), state.now())) {
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kInvalidToken, 401,
                             "Invalid or expired API key provided."),
                res);
    return false;
  }
  return true;
}

bool stripe_form(const httplib::Request& req, httplib::Response& res, nlohmann::json& out) {
  std::string error;
  if (!parse_form(req.body, out, error)) {
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400, error), res);
    return false;
  }
  for (const auto& [name, value] : out.items()) {
    bool structured = takes_hash_or_list(name);
    // An empty string clears a hash param (metadata=), as Stripe allows.
    bool fits = structured ? !value.is_string() || value.get_ref<const std::string&>().empty()
                           : value.is_string();
    if (fits) continue;
    send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400,
                             "Invalid " + name + ": expected " +
                                 (structured ? "a hash or a list" : "a string") + ".",
                             name),
                res);
    return false;
  }
  return true;
}

void stripe_post(httplib::Server& server, const std::string& pattern,
                 httplib::Server::Handler handler) {
  server.Post(pattern, [handler](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& content) {
    httplib::Request full = req;
    bool too_large = false;
    content([&](const char* data, size_t n) {
      // Drained, not cut off: the client still gets the answer.
      if (full.body.size() + n > kMaxStripeBody) too_large = true;
      if (!too_large) full.body.append(data, n);
      return true;
    });
    if (too_large) {
      send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 413,
                               "Request body too large: at most " + std::to_string(kMaxStripeBody) +
                                   " bytes"),
                  res);
      return;
    }
    if (!clean_text(full.body)) {
      send_answer(error_answer(ErrorStyle::kStripe, ErrorCode::kBadRequest, 400,
                               "the body is not valid UTF-8 text (or holds a NUL byte)"),
                  res);
      return;
    }
    handler(full, res);
  });
}

void mount_stripe_payments(httplib::Server& server, FakeState& state) {
  mount_stripe_intents(server, state);
  mount_stripe_refunds(server, state);
  mount_stripe_events(server, state);
}

}  // namespace checkride
