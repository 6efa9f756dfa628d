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
  ASSERT_EQ(state.world().payments.intents_of(mia.user).size(), 1u);
  std::string pi = "pi_" + std::to_string(state.world().payments.intents_of(mia.user).front());
  std::string got =
      server.handle("GET /v1/payment_intents/" + pi +
                    " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer sk_test_x\r\n\r\n");
  ASSERT_EQ(status_of(got), 200) << got;
  EXPECT_EQ(json::parse(body_of(got))["status"], "succeeded");
  std::string refund = server.handle(post("/v1/refunds", "payment_intent=" + pi + "&amount=52640",
                                          "application/x-www-form-urlencoded"));
  ASSERT_EQ(status_of(refund), 200) << refund;
  EXPECT_EQ(json::parse(body_of(refund))["amount"], 52640);
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

}  // namespace
}  // namespace checkride
