#pragma once
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "wire/fakes/fake_state.h"
#include "wire/fakes/stripe_rules.h"
#include "wire/fakes/wire_call.h"

namespace checkride {

// What every route of the Stripe face shares.

// A Stripe secret key (platform credential) or an active token from the identity fake;
// false with the 401 already written otherwise.
bool stripe_authenticate(FakeState& state, const httplib::Request& req, httplib::Response& res);
// Parses the form body; false with a 400 written when it is malformed or a string param
// came as a hash or a list.
bool stripe_form(const httplib::Request& req, httplib::Response& res, nlohmann::json& out);
// Registers a POST route that reads its whole body (up to 1 MiB: Stripe takes bodies over
// httplib's form cap) before `handler`, answering 413 and 400 in Stripe's error shape.
void stripe_post(httplib::Server& server, const std::string& pattern,
                 httplib::Server::Handler handler);

void mount_stripe_intents(httplib::Server& server, FakeState& state);
void mount_stripe_refunds(httplib::Server& server, FakeState& state);
void mount_stripe_events(httplib::Server& server, FakeState& state);
// Event `index` as Stripe renders it (the payload a webhook delivery carries).
nlohmann::json event_json(FakeState& state, std::size_t index);

}  // namespace checkride
