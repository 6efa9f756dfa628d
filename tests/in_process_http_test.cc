// The in-process door that fuzz_faces uses: a face's routes answer through it exactly as
// over a socket, so a fuzz run that reaches no handler cannot pass for one that did.
#include "in_process_http.h"

#include <gtest/gtest.h>

#include "orchestrator/action_catalog.h"
#include "simulator/simulation.h"
#include "test_support.h"
#include "wire/fakes/face_guard.h"
#include "wire/fakes/faces.h"
#include "wire/fakes/fake_servers.h"
#include "wire/orchestrator/orchestrator_service.h"

namespace checkride {
namespace {

using nlohmann::json;

std::string post(const std::string& path, const std::string& body, const char* type) {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer sk_test_x\r\n" +
         "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

struct PaymentsFace {
  PaymentsFace() {
    Scenario scenario = load_scenario(testing::source_path("scenarios/happy-orders.yaml"));
    state = std::make_unique<FakeState>(
        scenario, compile_templates(scenario, ActionCatalog::default_catalog()),
        default_oauth_clients());
    guard_face(server, ErrorStyle::kStripe);
    mount_stripe_payments(server, *state);
  }
  std::unique_ptr<FakeState> state;
  InProcessHttpServer server;
};

TEST(InProcessHttp, PaymentsFaceCreatesAnIntentWithoutASocket) {
  PaymentsFace face;
  std::string response = face.server.handle(
      post("/v1/payment_intents", "amount=1200&currency=usd&payment_method=pm_card_visa",
           "application/x-www-form-urlencoded"));
  ASSERT_EQ(status_of(response), 200) << response;
  json intent = json::parse(body_of(response));
  EXPECT_EQ(intent["object"], "payment_intent");
  EXPECT_EQ(intent["amount"], 1200);
  EXPECT_EQ(intent["id"].get<std::string>().rfind("pi_", 0), 0u);
}

TEST(InProcessHttp, UnknownRouteAndBadUtf8AnswerInStripesErrorShape) {
  PaymentsFace face;
  std::string missing = face.server.handle("GET /v1/nothing_here HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(missing), 404) << missing;
  EXPECT_TRUE(json::parse(body_of(missing))["error"].contains("type")) << missing;
  std::string bad = face.server.handle(post("/v1/payment_intents", "amount=1&currency=\xff\xfe",
                                            "application/x-www-form-urlencoded"));
  EXPECT_EQ(status_of(bad), 400) << bad;
  EXPECT_EQ(json::parse(body_of(bad))["error"]["type"], "invalid_request_error") << bad;
}

// A payment made before the session (a world file's existing booking) has no wire-side
// record: retrieving and refunding it answered 500 until the face read its extras safely.
TEST(InProcessHttp, AnIntentFromBeforeTheSessionIsRetrievedAndRefunded) {
  Scenario scenario = load_scenario(testing::source_path("scenarios/existing-reservations.yaml"));
  ActionCatalog catalog = ActionCatalog::from_file(scenario.actions);
  FakeState state(scenario, compile_templates(scenario, catalog), default_oauth_clients());
  state.clear_rules();
  InProcessHttpServer server;
  guard_face(server, ErrorStyle::kStripe);
  mount_stripe_payments(server, state);
  Shopper mia = state.add_shopper(CardBehaviour::kSucceeds, kScopePaymentsCharge, "mia_li_3668");
  std::string pi;
  {
    std::lock_guard<HeldMutex> lock(state.mu);
    ASSERT_EQ(state.world().payments.intents_of(mia.user).size(), 1u);
    pi = "pi_" + std::to_string(state.world().payments.intents_of(mia.user).front());
  }
  std::string got =
      server.handle("GET /v1/payment_intents/" + pi +
                    " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer sk_test_x\r\n\r\n");
  ASSERT_EQ(status_of(got), 200) << got;
  EXPECT_EQ(json::parse(body_of(got))["status"], "succeeded");
  std::string refund = server.handle(post("/v1/refunds", "payment_intent=" + pi + "&amount=52640",
                                          "application/x-www-form-urlencoded"));
  ASSERT_EQ(status_of(refund), 200) << refund;
  EXPECT_EQ(json::parse(body_of(refund))["amount"], 52640);
  std::lock_guard<HeldMutex> lock(state.mu);
  EXPECT_EQ(
      state.world().payments.find(state.world().payments.intents_of(mia.user).front())->refunded,
      52640);
}

// Found by fuzz_faces: a string param sent as a list (currency[]=usd) was stored, and
// rendering the intent threw, so the fake answered 500. Stripe refuses it with a 400.
TEST(InProcessHttp, AStringParamSentAsAListIsAStripe400) {
  PaymentsFace face;
  std::string response = face.server.handle(post("/v1/payment_intents", "amount=900&currency[]=usd",
                                                 "application/x-www-form-urlencoded"));
  ASSERT_EQ(status_of(response), 400) << response;
  json error = json::parse(body_of(response))["error"];
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_EQ(error["param"], "currency");
  std::string cleared = face.server.handle(
      post("/v1/payment_intents",
           "amount=900&currency=usd&metadata=", "application/x-www-form-urlencoded"));
  EXPECT_EQ(status_of(cleared), 200) << cleared;  // an empty hash param clears it, as on Stripe
}

// The same class on the other faces: a list where OAuth wants one value, a wrongly typed
// field in the control API's agent view or the LLM request. Each is a 4xx or read as
// absent, never a 500.
TEST(InProcessHttp, MistypedFieldsOnEveryFaceAreNeverA500) {
  Scenario scenario = load_scenario(testing::source_path("scenarios/happy-orders.yaml"));
  FakeState state(scenario, compile_templates(scenario, ActionCatalog::default_catalog()),
                  default_oauth_clients());
  InProcessHttpServer identity, control, llm;
  guard_face(identity, ErrorStyle::kOAuth);
  mount_oauth_identity(identity, state, "http://127.0.0.1:1");
  guard_face(control, ErrorStyle::kJson);
  mount_control(control, state, "");
  guard_face(llm, ErrorStyle::kJson);
  Cassette script;  // the LLM face plays it by reference: it must outlive the server
  mount_scripted_llm(llm, state, script);
  std::string token =
      identity.handle(post("/oauth/token", "grant_type=client_credentials&client_id[]=agent-app",
                           "application/x-www-form-urlencoded"));
  EXPECT_EQ(status_of(token), 400) << token;
  EXPECT_EQ(json::parse(body_of(token))["error"], "invalid_request") << token;
  std::string report = control.handle(
      post("/__checkride/report", R"({"templates": [{"name": 5, "recorded_success": "yes"}]})",
           "application/json"));
  EXPECT_GT(status_of(report), 0);
  EXPECT_LT(status_of(report), 500) << report;
  std::string completion = llm.handle(
      post("/v1/chat/completions", R"({"model": 5, "stream": "yes", "messages": [{"role": 7}]})",
           "application/json"));
  EXPECT_GT(status_of(completion), 0);
  EXPECT_LT(status_of(completion), 500) << completion;
}

TEST(InProcessHttp, OrchestratorServiceRefusesAnUnsignedActionInProcess) {
  ServiceOptions o;
  o.store_path = ":memory:";
  o.secret = "in-process-secret-0123456789";
  OrchestratorService service(ActionCatalog::default_catalog(), o);
  InProcessHttpServer server;
  service.mount(server);
  std::string health = server.handle("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(health), 200) << health;
  std::string refused =
      server.handle(post("/v1/actions", R"({"action":"place_order"})", "application/json"));
  EXPECT_EQ(status_of(refused), 401) << refused;
  EXPECT_TRUE(json::parse(body_of(refused)).contains("error")) << refused;
}

// Stored value on the payments face (JSON): a user's own gift card, found by its name, shows
// its balance, is debited once per idempotency key, refuses what it cannot cover in full and
// gives a debit back no more than once; another user's card is not found.
TEST(InProcessHttp, StoredValueIsDebitedOnceAndGivenBackOnce) {
  Scenario scenario = load_scenario(testing::source_path("scenarios/airline-support.yaml"));
  ActionCatalog catalog = ActionCatalog::from_file(scenario.actions);
  FakeState state(scenario, compile_templates(scenario, catalog), default_oauth_clients());
  state.clear_rules();
  InProcessHttpServer server;
  guard_face(server, ErrorStyle::kStripe);
  mount_stripe_payments(server, state);
  mount_stored_value(server, state);
  Shopper sofia = state.add_shopper(CardBehaviour::kSucceeds, ~0u, "sofia_kim_7421");
  Shopper omar = state.add_shopper(CardBehaviour::kSucceeds, ~0u, "omar_davis_3817");
  auto call = [&](const std::string& method, const std::string& path, const json& body,
                  const Shopper& who, const std::string& key = "") {
    std::string text = body.is_null() ? "" : body.dump();
    std::string raw =
        method + " " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
        state.token_name(who.grant.access_token, false) + "\r\n" +
        (key.empty() ? "" : "Idempotency-Key: " + key + "\r\n") +
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) +
        "\r\n\r\n" + text;
    return server.handle(raw);
  };
  std::string me = "user_" + std::to_string(sofia.user);
  std::string balance =
      call("GET", "/v1/stored_value/gift_card_5501?customer=" + me, nullptr, sofia);
  ASSERT_EQ(status_of(balance), 200) << balance;
  EXPECT_EQ(json::parse(body_of(balance))["balance"], 25000);

  json debit = {{"customer", me}, {"amount", 19800}};
  std::string first = call("POST", "/v1/stored_value/gift_card_5501/debits", debit, sofia, "k1");
  ASSERT_EQ(status_of(first), 201) << first;
  std::string again = call("POST", "/v1/stored_value/gift_card_5501/debits", debit, sofia, "k1");
  EXPECT_EQ(body_of(again), body_of(first)) << "the same key answers the same debit";
  std::string id = json::parse(body_of(first))["id"];
  std::string more = call("POST", "/v1/stored_value/gift_card_5501/debits", debit, sofia, "k2");
  EXPECT_EQ(status_of(more), 402) << more;  // 5,200 left: nothing is taken from it
  EXPECT_EQ(json::parse(body_of(more))["error"]["code"], "insufficient_funds");
  std::string other_user = "user_" + std::to_string(omar.user);
  std::string theirs = call("POST", "/v1/stored_value/gift_card_5501/debits",
                            {{"customer", other_user}, {"amount", 100}}, omar, "k3");
  EXPECT_EQ(status_of(theirs), 404) << theirs;

  json back = {{"customer", me}, {"amount", 19800}};
  std::string credit =
      call("POST", "/v1/stored_value_debits/" + id + "/credits", back, sofia, "c1");
  ASSERT_EQ(status_of(credit), 200) << credit;
  EXPECT_EQ(json::parse(body_of(credit))["status"], "reversed");
  std::string twice = call("POST", "/v1/stored_value_debits/" + id + "/credits", back, sofia, "c2");
  EXPECT_EQ(status_of(twice), 400) << twice;
  balance = call("GET", "/v1/stored_value/gift_card_5501?customer=" + me, nullptr, sofia);
  EXPECT_EQ(json::parse(body_of(balance))["balance"], 25000);
  for (const json& bad : {json{{"customer", me}}, json{{"customer", me}, {"amount", -5}},
                          json{{"customer", me}, {"amount", "12"}}}) {
    std::string r = call("POST", "/v1/stored_value/gift_card_5501/debits", bad, sofia, "");
    EXPECT_EQ(status_of(r), 400) << bad.dump() << r;
    EXPECT_EQ(json::parse(body_of(r))["error"]["param"], "amount") << r;
  }
}

}  // namespace
}  // namespace checkride
