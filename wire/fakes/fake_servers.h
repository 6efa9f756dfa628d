#pragma once
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "protocol/cassette.h"
#include "protocol/connection_limit.h"
#include "wire/fakes/fake_state.h"
#include "wire/fakes/webhook_dispatcher.h"

namespace httplib {
class Server;
}

namespace checkride {

struct FakeServeOptions {
  std::string bind = "127.0.0.1";
  // 0 picks a free port. Order: payments, identity, catalog, bookings, llm, control.
  int payments_port = 12111, identity_port = 12112, catalog_port = 12113, bookings_port = 12114,
      llm_port = 12115, control_port = 12110;
  std::string control_token;  // required when `bind` is not loopback
  std::vector<OAuthClient> clients;
  std::vector<WebhookEndpoint> webhooks;  // --webhook URL: every event, from the start
  bool jwt_access_tokens = false;
  int threads_per_face = 128;  // keep-alive clients each hold a thread while connected
  std::size_t max_connections_per_client = kDefaultConnectionsPerClient;
};

// `checkride serve fakes`: each face on its own port over one FakeState.
class FakeServers {
 public:
  FakeServers(Scenario scenario, std::vector<CompiledTemplate> templates, Cassette llm_script,
              FakeServeOptions options);
  ~FakeServers();

  // Binds every port, then serves on background threads. Throws std::runtime_error naming
  // the face and port that could not be bound, or a non-loopback bind without a token.
  void start();
  void stop();

  struct Face {
    std::string name;
    int port = 0;
    std::string url;
  };
  const std::vector<Face>& faces() const { return faces_; }
  std::string url(const std::string& face) const;
  FakeState& state() { return state_; }

 private:
  FakeServeOptions options_;
  FakeState state_;
  Cassette llm_script_;
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
  std::vector<Face> faces_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
};

bool is_loopback(const std::string& bind);

// --oauth-client ID:SECRET:REDIRECT[,REDIRECT...]: an empty SECRET is a public client; each
// redirect URI is an absolute http(s) URL without a fragment. False with what is wrong.
bool parse_oauth_client(const std::string& text, OAuthClient& out, std::string& error);

// The default OAuth clients: "checkride-orchestrator" (confidential, secret
// "checkride-orchestrator-secret") and "agent-app" (confidential, secret
// "agent-app-secret"), plus "public-app" (public, PKCE only).
std::vector<OAuthClient> default_oauth_clients();

}  // namespace checkride
