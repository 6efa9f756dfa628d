#pragma once
#include <string>

#include "protocol/cassette.h"

namespace httplib {
class Server;
}

namespace checkride {

class FakeState;

// Each face mounts its routes on its own server (its own port) over the shared state.
void mount_stripe_payments(httplib::Server& server, FakeState& state);
// `base_url` is the identity server's own URL: RFC 8414 requires the metadata's issuer to
// equal it.
void mount_oauth_identity(httplib::Server& server, FakeState& state, const std::string& base_url);
void mount_catalog(httplib::Server& server, FakeState& state);
void mount_bookings(httplib::Server& server, FakeState& state);
// Stored value (gift cards, certificates) as JSON, mounted on the payments face.
void mount_stored_value(httplib::Server& server, FakeState& state);
// Plays the agent's side of `script` as OpenAI's /v1/chat/completions; `script` is kept by
// reference and must outlive `server`.
void mount_scripted_llm(httplib::Server& server, FakeState& state, const Cassette& script);
// `token`: when not empty every control request must carry it as a Bearer credential.
void mount_control(httplib::Server& server, FakeState& state, const std::string& token);

}  // namespace checkride
