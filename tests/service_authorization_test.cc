// Who may do what at `serve orchestrator` (issue 28, points 11 to 14): a session belongs to
// the user who opened it, a signed request stays spent across a restart, reads are signed,
// the store is its owner's only, and a forged webhook is counted, not stored.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "wire_rig.h"

namespace checkride {
namespace {

using nlohmann::json;

int status_of(const httplib::Result& r) { return r ? r->status : -1; }

// A signed placeOrder in session A naming user B charged B, captured, on A's consent.
TEST(ServiceAuthorization, ASessionBelongsToItsUserAndOneNeverOpenedIsRefused) {
  WireRig rig("scenarios/happy-orders.yaml", "authz-owner");
  httplib::Client c(rig.url);
  json ann = open_session(rig, c, "ann-session", "pm_card_visa");
  json bob = open_session(rig, c, "bob-session", "pm_card_visa");
  ASSERT_FALSE(ann.is_null());
  ASSERT_FALSE(bob.is_null());

  json as_bob = order_action(bob, "ann-session", "pm_card_visa", "k-1");
  auto r = post_signed(c, "/v1/actions", as_bob.dump(), now_unix());
  EXPECT_EQ(status_of(r), 403) << (r ? r->body : "");
  EXPECT_NE(r->body.find("belongs to another user"), std::string::npos) << r->body;

  json nowhere = order_action(bob, "never-opened", "pm_card_visa", "k-2");
  r = post_signed(c, "/v1/actions", nowhere.dump(), now_unix());
  EXPECT_EQ(status_of(r), 403) << (r ? r->body : "");
  json consent = {{"session", "never-opened"}, {"amount", 9900}, {"granted", true}};
  r = post_signed(c, "/v1/sessions/never-opened/consents", consent.dump(), now_unix());
  EXPECT_EQ(status_of(r), 403) << (r ? r->body : "");

  // Taking over a session by opening it again as another user is refused too.
  json takeover = {{"session", "ann-session"},
                   {"user", bob["customer"]},
                   {"access_token", bob["access_token"]},
                   {"refresh_token", bob["refresh_token"]},
                   {"expires_in", 900}};
  r = post_signed(c, "/v1/sessions", takeover.dump(), now_unix());
  EXPECT_EQ(status_of(r), 403) << (r ? r->body : "");

  EXPECT_TRUE(rig.control_get("/__checkride/ledger")["payment_intents"].empty())
      << "nobody may be charged by a request outside their own session";
  // Ann's own order in Ann's session still goes through.
  r = post_signed(c, "/v1/actions", order_action(ann, "ann-session", "pm_card_visa", "k-3").dump(),
                  now_unix());
  ASSERT_EQ(status_of(r), 200);
  EXPECT_EQ(json::parse(r->body)["status"], "confirmed") << r->body;
}

// The replay cache was in memory only: the same signed bytes were accepted after a restart.
TEST(ServiceAuthorization, ASignedRequestStaysSpentAcrossARestart) {
  WireRig rig("scenarios/happy-orders.yaml", "authz-replay");
  httplib::Client c(rig.url);
  json shopper = rig.control_post("/__checkride/shoppers", json({{"card", "pm_card_visa"}}).dump());
  json grant = {{"session", "replayed"},
                {"user", shopper["customer"]},
                {"access_token", shopper["access_token"]},
                {"refresh_token", shopper["refresh_token"]},
                {"expires_in", 900}};
  const std::string body = grant.dump();
  const int64_t ts = now_unix();
  const httplib::Headers signed_headers = {{kTimestampHeader, std::to_string(ts)},
                                           {kSignatureHeader, action_signature(kSecret, ts, body)}};
  ASSERT_EQ(status_of(c.Post("/v1/sessions", signed_headers, body, "application/json")), 201);
  rig.restart_service();
  httplib::Client after(rig.url);
  auto again = after.Post("/v1/sessions", signed_headers, body, "application/json");
  EXPECT_EQ(status_of(again), 401) << (again ? again->body : "");
  EXPECT_NE(again->body.find("replayed"), std::string::npos) << again->body;
}

// GET /v1/sessions/{id}, /v1/audit and /metrics answered anyone.
TEST(ServiceAuthorization, ReadsAreSignedOrCarryTheReadTokenAndTheStoreIsItsOwnersOnly) {
  WireRig rig("scenarios/happy-orders.yaml", "authz-reads", {},
              [](ServiceOptions& o) { o.read_token = "read-token-0123456789abcdef"; });
  httplib::Client c(rig.url);
  ASSERT_FALSE(open_session(rig, c, "read-1", "pm_card_visa").is_null());
  for (const char* target : {"/v1/sessions/read-1", "/v1/audit", "/metrics"}) {
    EXPECT_EQ(status_of(c.Get(target)), 401) << target;
    EXPECT_EQ(status_of(get_signed(c, target, "not-the-secret-at-all-0000")), 401) << target;
    EXPECT_EQ(status_of(get_signed(c, target)), 200) << target;
  }
  // A signature is for its own target only.
  const int64_t ts = now_unix();
  auto moved = c.Get(
      "/v1/audit",
      {{kTimestampHeader, std::to_string(ts)},
       {kSignatureHeader, action_signature(kSecret, ts, read_signed_text("GET", "/metrics"))}});
  EXPECT_EQ(status_of(moved), 401);
  auto scraped = c.Get("/metrics", {{"Authorization", "Bearer read-token-0123456789abcdef"}});
  EXPECT_EQ(status_of(scraped), 200);
  struct stat st {};
  ASSERT_EQ(::stat(rig.options.store_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u) << "the store holds tokens: group and others may not read it";
}

// The store kept access and refresh tokens in plain text: a copied file was a bag of live
// tokens. They are sealed now, and a store sealed under another secret is refused by name.
TEST(ServiceAuthorization, TokensAreSealedInTheStoreAndAnotherSecretCannotOpenThem) {
  WireRig rig("scenarios/happy-orders.yaml", "authz-sealed");
  httplib::Client c(rig.url);
  json shopper = open_session(rig, c, "sealed-1", "pm_card_visa");
  ASSERT_FALSE(shopper.is_null());
  const std::string access = shopper["access_token"], refresh = shopper["refresh_token"];
  rig.restart_service();  // everything the first service wrote is on disk
  const std::string file = testing::read_text(rig.options.store_path);
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(file.find(access), std::string::npos) << "the access token is in the store's bytes";
  EXPECT_EQ(file.find(refresh), std::string::npos) << "the refresh token is in the store's bytes";
  EXPECT_EQ(file.find(std::string(shopper["customer"])), std::string::npos);
  // The restarted service still opens them: the session reads back.
  httplib::Client after(rig.url);
  EXPECT_EQ(status_of(get_signed(after, "/v1/sessions/sealed-1")), 200);
  rig.service->stop();
  rig.serving.join();
  rig.service.reset();
  ServiceOptions other = rig.options;
  other.secret = "another-secret-entirely-0123456789";
  try {
    OrchestratorService refused(rig.catalog, other);
    ADD_FAILURE() << "a store sealed under another secret was opened";
  } catch (const StoreError& e) {
    const std::string why = e.what();
    EXPECT_NE(why.find(rig.options.store_path), std::string::npos) << why;
    EXPECT_NE(why.find("table names"), std::string::npos) << why;
    EXPECT_NE(why.find("--secret"), std::string::npos) << why;
  }
  rig.start_service();  // the rig's destructor stops a running service
}

// 300,000 forgeries grew the store by 25 MB of audit rows; audit reads held the core's lock.
TEST(ServiceAuthorization, ForgedWebhooksAreCountedNotStoredAndTheAuditLogPages) {
  WireRig rig("scenarios/happy-orders.yaml", "authz-forged");
  httplib::Client c(rig.url);
  ASSERT_FALSE(open_session(rig, c, "audit-1", "pm_card_visa").is_null());
  auto before = json::parse(get_signed(c, "/v1/audit")->body);
  const std::string event =
      R"({"id":"evt_forged","object":"event","type":"payment_intent.succeeded",)"
      R"("data":{"object":{"id":"pi_x","object":"payment_intent","amount":100}}})";
  for (int i = 0; i < 50; ++i) {
    auto r =
        c.Post("/webhooks/stripe", {{"Stripe-Signature", "t=1,v1=00"}}, event, "application/json");
    EXPECT_EQ(status_of(r), 400);
  }
  auto after = json::parse(get_signed(c, "/v1/audit")->body);
  EXPECT_EQ(after["records"], before["records"]) << "a forgery wrote to the store";
  EXPECT_NE(get_signed(c, "/metrics")->body.find("reason=\"bad_signature\"} 50"),
            std::string::npos);
  auto page = json::parse(get_signed(c, "/v1/audit?from=1&limit=2")->body);
  ASSERT_EQ(page["page"].size(), 2u) << page.dump();
  EXPECT_EQ(page["page"][0]["seq"], 1);
  EXPECT_EQ(page["next"], 3);
  EXPECT_EQ(page["intact"], true);
  EXPECT_EQ(status_of(get_signed(c, "/v1/audit?limit=100000")), 400);
}

}  // namespace
}  // namespace checkride
