#include "wire/fakes/fake_servers.h"

#include <httplib.h>

#include <stdexcept>

#include "protocol/guarded_server.h"
#include "wire/fakes/face_guard.h"
#include "wire/fakes/faces.h"

namespace checkride {

bool is_loopback(const std::string& bind) {
  return bind == "127.0.0.1" || bind == "localhost" || bind == "::1" || bind.rfind("127.", 0) == 0;
}

bool parse_oauth_client(const std::string& text, OAuthClient& out, std::string& error) {
  std::size_t first = text.find(':');
  std::size_t second = first == std::string::npos ? first : text.find(':', first + 1);
  if (first == std::string::npos || first == 0 || second == std::string::npos) {
    error = "expected ID:SECRET:REDIRECT[,REDIRECT...] (ID::REDIRECT for a public client)";
    return false;
  }
  out.id = text.substr(0, first);
  if (!check_client_id(out.id, error)) return false;
  out.secret = text.substr(first + 1, second - first - 1);
  std::string rest = text.substr(second + 1);
  for (std::size_t pos = 0; pos <= rest.size();) {
    std::size_t comma = std::min(rest.find(',', pos), rest.size());
    std::string uri = rest.substr(pos, comma - pos);
    if (!check_redirect_uri(uri, error)) return false;
    out.redirect_uris.push_back(uri);
    pos = comma + 1;
  }
  return true;
}

std::vector<OAuthClient> default_oauth_clients() {
  const std::vector<std::string> local = {"http://127.0.0.1/callback", "http://localhost/callback"};
  return {{"checkride-orchestrator", "checkride-orchestrator-secret", local},
          {"agent-app", "agent-app-secret", local},
          {"public-app", "", local}};
}

namespace {

// Each layer adds to the clients before it; a client of the same id replaces the earlier one.
std::vector<OAuthClient> layered(std::vector<OAuthClient> base,
                                 const std::vector<OAuthClient>& extra) {
  std::vector<OAuthClient> all;
  for (OAuthClient& c : base) {
    bool replaced = false;
    for (const OAuthClient& e : extra) replaced = replaced || e.id == c.id;
    if (!replaced) all.push_back(std::move(c));
  }
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

// The defaults, then the scenario's oauth_clients:, then --oauth-client.
std::vector<OAuthClient> clients_for(const Scenario& scenario, const FakeServeOptions& options) {
  return layered(layered(default_oauth_clients(), scenario.oauth_clients), options.clients);
}

}  // namespace

FakeServers::FakeServers(Scenario scenario, std::vector<CompiledTemplate> templates,
                         Cassette llm_script, FakeServeOptions options)
    : options_(std::move(options)),
      state_(scenario, std::move(templates), clients_for(scenario, options_), options_.webhooks),
      llm_script_(std::move(llm_script)) {}

FakeServers::~FakeServers() { stop(); }

std::string FakeServers::url(const std::string& face) const {
  for (const auto& f : faces_)
    if (f.name == face) return f.url;
  return "";
}

void FakeServers::start() {
  state_.jwt_access_tokens = options_.jwt_access_tokens;
  if (!is_loopback(options_.bind) && options_.control_token.empty()) {
    throw std::runtime_error("binding to " + options_.bind +
                             " exposes the control API: pass --control-token");
  }
  struct Spec {
    const char* name;
    int port;
  };
  const Spec specs[] = {{"payments", options_.payments_port}, {"identity", options_.identity_port},
                        {"catalog", options_.catalog_port},   {"bookings", options_.bookings_port},
                        {"llm", options_.llm_port},           {"control", options_.control_port}};
  std::string host =
      options_.bind == "0.0.0.0" || options_.bind == "::" ? "127.0.0.1" : options_.bind;
  for (const auto& spec : specs) {
    auto server = std::make_unique<GuardedServer>(
        options_.max_connections_per_client,
        std::max<std::size_t>(options_.threads_per_face, kMaxWorkers));
    server->set_tcp_nodelay(true);
    server->set_keep_alive_max_count(1000000);  // drive keeps its connections
    int port = spec.port == 0 ? server->bind_to_any_port(options_.bind)
                              : (server->bind_to_port(options_.bind, spec.port) ? spec.port : -1);
    if (port <= 0) {
      throw std::runtime_error("cannot bind the " + std::string(spec.name) + " fake to " +
                               options_.bind + ":" + std::to_string(spec.port));
    }
    server->tune_listener();
    std::string base = "http://" + host + ":" + std::to_string(port);
    std::string name = spec.name;
    guard_face(*server, name == "payments"   ? ErrorStyle::kStripe
                        : name == "identity" ? ErrorStyle::kOAuth
                                             : ErrorStyle::kJson);
    if (name == "payments") {
      mount_stripe_payments(*server, state_);
      mount_stored_value(*server, state_);
    }
    if (name == "identity") mount_oauth_identity(*server, state_, base);
    if (name == "catalog") mount_catalog(*server, state_);
    if (name == "bookings") mount_bookings(*server, state_);
    if (name == "llm") mount_scripted_llm(*server, state_, llm_script_);
    if (name == "control") mount_control(*server, state_, options_.control_token);
    faces_.push_back(Face{name, port, base});
    servers_.push_back(std::move(server));
  }
  for (auto& server : servers_) {
    threads_.emplace_back([s = server.get()] { s->listen_after_bind(); });
  }
  for (auto& server : servers_) {
    while (!server->is_running()) std::this_thread::yield();
  }
  dispatcher_ = std::make_unique<WebhookDispatcher>(state_);
  dispatcher_->start();
}

void FakeServers::stop() {
  state_.stop();
  if (dispatcher_) dispatcher_->join();
  for (auto& server : servers_) server->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  servers_.clear();
}

}  // namespace checkride
