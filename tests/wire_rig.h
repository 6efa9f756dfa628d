// A wire-mode rig for tests: the fakes and the orchestrator service in this process on free
// ports, and the signed requests an agent sends.
#pragma once
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/action_catalog.h"
#include "protocol/action_signature.h"
#include "scenario/compile_templates.h"
#include "scenario/scenario.h"
#include "test_support.h"
#include "wire/drive/drive.h"
#include "wire/fakes/fake_servers.h"
#include "wire/orchestrator/orchestrator_service.h"

namespace checkride {

using nlohmann::json;
inline constexpr const char* kSecret = "wire-test-secret-0123456789";
inline constexpr const char* kWebhookSecret = "whsec_wire_test_0123456789";

struct WireRig {
  explicit WireRig(const std::string& scenario_file, const std::string& name,
                   const std::vector<std::string>& overrides = {},
                   const std::function<void(ServiceOptions&)>& tune = nullptr) {
    dir = testing::temp_dir(name);
    Scenario scenario = load_scenario(testing::source_path(scenario_file), overrides);
    if (scenario.actions != "default") catalog = ActionCatalog::from_file(scenario.actions);
    std::vector<CompiledTemplate> templates = compile_templates(scenario, catalog);
    FakeServeOptions fo;
    fo.payments_port = fo.identity_port = fo.catalog_port = fo.bookings_port = fo.llm_port =
        fo.control_port = 0;
    fo.clients = default_oauth_clients();
    fakes = std::make_unique<FakeServers>(scenario, templates, Cassette{}, fo);
    fakes->start();
    ServiceOptions so;
    so.port = 0;
    so.store_path = dir + "/orchestrator.db";
    so.secret = kSecret;
    so.endpoints.payments = fakes->url("payments");
    so.endpoints.identity = fakes->url("identity");
    so.endpoints.catalog = fakes->url("catalog");
    so.endpoints.bookings = fakes->url("bookings");
    so.config = scenario.orchestrator;
    so.workers = 8;
    so.webhook_secret = kWebhookSecret;  // deliveries come only once subscribe_orchestrator()
    if (tune) tune(so);
    options = so;
    start_service();
  }
  ~WireRig() {
    service->stop();
    serving.join();
    fakes->stop();
  }
  // Stops the service and starts another on the same store, as a restarted process would.
  void restart_service() {
    service->stop();
    serving.join();
    service.reset();
    start_service();
  }
  // A service on `options`, on a free port, answering before this returns.
  void start_service() {
    service = std::make_unique<OrchestratorService>(catalog, options);
    port = service->bind();
    serving = std::thread([this] { service->serve(); });
    url = "http://127.0.0.1:" + std::to_string(port);
    httplib::Client c(url);
    for (int i = 0; i < 100 && !c.Get("/healthz"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The payments face sends every event to the orchestrator's webhook route.
  void subscribe_orchestrator() {
    std::lock_guard<HeldMutex> lock(fakes->state().mu);
    fakes->state().events.add_endpoint(
        WebhookEndpoint{url + "/webhooks/stripe", kWebhookSecret, {"*"}, now_seconds()});
  }
  static int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  json control_get(const std::string& path) {
    httplib::Client c(fakes->url("control"));
    auto r = c.Get(path);
    return r ? json::parse(r->body) : json();
  }
  json control_post(const std::string& path, const std::string& body) {
    httplib::Client c(fakes->url("control"));
    auto r = c.Post(path, body, "application/json");
    return r ? json::parse(r->body, nullptr, false) : json();
  }

  // Drive options against this rig: its orchestrator, control API and secret, reports in its
  // directory, 8 connections.
  DriveOptions drive(int sessions, double rate) const {
    DriveOptions o;
    o.orchestrator = url;
    o.control = fakes->url("control");
    o.secret = kSecret;
    o.sessions = sessions;
    o.rate = rate;
    o.connections = 8;
    o.out_dir = dir + "/reports";
    o.quiet = true;
    // Under a sanitizer a loaded machine can start a session seconds late; that is the
    // sanitizer's cost, not a drop the service caused.
    if (testing::kUnderSanitizer) o.max_lag = 10 * kSecond;
    return o;
  }

  std::string dir, url;
  ServiceOptions options;
  ActionCatalog catalog = ActionCatalog::from_yaml_text(ActionCatalog::default_yaml(), "default");
  std::unique_ptr<FakeServers> fakes;
  std::unique_ptr<OrchestratorService> service;
  std::thread serving;
  int port = 0;
};

inline int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline httplib::Result post_signed(httplib::Client& c, const std::string& path,
                                   const std::string& body, int64_t ts,
                                   const std::string& secret = kSecret) {
  return c.Post(path,
                {{kTimestampHeader, std::to_string(ts)},
                 {kSignatureHeader, action_signature(secret, ts, body)}},
                body, "application/json");
}

// A read of the service, signed over its method and target as docs/wire.md says.
inline httplib::Result get_signed(httplib::Client& c, const std::string& target,
                                  const std::string& secret = kSecret) {
  const int64_t ts = now_unix();
  return c.Get(target,
               {{kTimestampHeader, std::to_string(ts)},
                {kSignatureHeader, action_signature(secret, ts, read_signed_text("GET", target))}});
}

// A shopper with `card` from the control API, whose session on the orchestrator is open
// with consent for 9900 cents: POST /v1/sessions, then its consent, signed. Empty json when
// a step failed (the test's ASSERT says which).
inline json open_session(WireRig& rig, httplib::Client& c, const std::string& session,
                         const std::string& card) {
  json shopper = rig.control_post("/__checkride/shoppers", json({{"card", card}}).dump());
  if (!shopper.contains("access_token")) return json();
  json grant = {{"session", session},
                {"user", shopper["customer"]},
                {"access_token", shopper["access_token"]},
                {"refresh_token", shopper["refresh_token"]},
                {"expires_in", 900}};
  auto started = post_signed(c, "/v1/sessions", grant.dump(), now_unix());
  if (!started || started->status != 201) return json();
  json consent = {{"session", session}, {"amount", 9900}, {"granted", true}, {"request_id", 1}};
  auto consented =
      post_signed(c, "/v1/sessions/" + session + "/consents", consent.dump(), now_unix());
  if (!consented || consented->status != 201) return json();
  return shopper;
}

// placeOrder of one RUN-BLUE-42, at most 9900 cents, paid with `card`, under `key`.
inline json order_action(const json& shopper, const std::string& session, const std::string& card,
                         const std::string& key) {
  return {{"session", session},
          {"user", shopper["customer"]},
          {"request_id", 2},
          {"action", "placeOrder"},
          {"params",
           {{"items", {{{"sku", "RUN-BLUE-42"}, {"quantity", 1}}}},
            {"max_total_cents", 9900},
            {"payment_method", card}}},
          {"idempotency_key", key},
          {"payment_method", shopper["payment_method"]}};
}

}  // namespace checkride
