// drive's session, with no I/O: it asks for the same requests in the same order as the
// simulator's agent would make them, waits out think times and retry delays, retries a lost
// answer with the same idempotency key, and ends with the outcome the report reads.
#include "wire/drive/session_machine.h"

#include <gtest/gtest.h>

namespace checkride {
namespace {

using std::chrono::milliseconds;

CompiledTemplate two_steps() {
  CompiledTemplate t;
  t.name = "c.jsonl#s";
  t.intent = true;
  CassetteStep search;
  search.action = "searchCatalog";
  search.params = std::make_shared<nlohmann::json>(nlohmann::json{{"query", "runner"}});
  search.think = 400;
  CassetteStep order;
  order.action = "placeOrder";
  order.params =
      std::make_shared<nlohmann::json>(nlohmann::json{{"items", nlohmann::json::array()}});
  t.steps = {search, order};
  t.charge = {false, true};
  return t;
}

struct Rig {
  CompiledTemplate t = two_steps();
  SessionContext context;
  DriveStats stats;
  SteadyTime start = SteadyTime{} + std::chrono::hours(1);
  Rig() {
    context.agent.retries = 1;
    context.agent.retry_delay = 250;
    context.think_scale = 1;
    context.wire_time = [](SteadyTime) { return Time{5000}; };
  }
};

SessionAnswer answer(int status, const std::string& body) {
  SessionAnswer a;
  a.status = status;
  a.body = body;
  return a;
}

TEST(SessionMachine, PlaysShopperOpenThinkActionsAndRetriesALostAnswerWithTheSameKey) {
  Rig rig;
  SessionMachine s(rig.context, "drive-x-1", 0, rig.t, rig.start, rig.stats);
  SessionRequest r;
  SteadyTime until;
  SteadyTime now = rig.start;
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kSend);
  EXPECT_EQ(r.to, SessionRequest::To::kControl);
  EXPECT_EQ(r.path, "/__checkride/shoppers");
  s.answered(answer(201, R"({"user":7,"customer":"user_7","payment_method":"pm_7",
                               "access_token":"a","refresh_token":"b","expires_in_ms":60000})"),
             now);
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kSend);
  EXPECT_EQ(r.path, "/v1/sessions");
  EXPECT_TRUE(r.sign);
  s.answered(answer(201, "{}"), now);
  // The search's recorded think time first.
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kWait);
  EXPECT_EQ(until, rig.start + milliseconds(400));
  now = until;
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kSend);
  EXPECT_EQ(r.path, "/v1/actions");
  EXPECT_NE(r.body.find("\"action\":\"searchCatalog\""), std::string::npos) << r.body;
  s.answered(answer(200, R"({"request_id":1,"status":"ok"})"), now + milliseconds(3));
  now += milliseconds(3);
  // The order's answer is lost: retried after the delay, with the same key.
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kSend);
  const std::string first = r.body;
  EXPECT_NE(first.find("\"idempotency_key\":\"drive-x-1/1/0\""), std::string::npos) << first;
  SessionAnswer lost;
  lost.transport_error = true;
  s.answered(lost, now);
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kWait);
  EXPECT_EQ(until, now + milliseconds(250));
  now = until;
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kSend);
  EXPECT_NE(r.body.find("\"idempotency_key\":\"drive-x-1/1/0\""), std::string::npos) << r.body;
  s.answered(answer(200, R"({"request_id":3,"status":"confirmed","reference":"o_1"})"), now);
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kDone);

  ASSERT_TRUE(s.started()) << s.error();
  const nlohmann::json& o = s.result().outcome;
  EXPECT_EQ(o["user"], 7);
  EXPECT_EQ(o["finished"], true);
  EXPECT_EQ(o["intent"], true);
  EXPECT_EQ(rig.stats.requests, 4u);  // open, search, the order twice
  EXPECT_EQ(rig.stats.transport_errors, 1u);
  EXPECT_EQ(rig.stats.latency["request"].count(), 3u);
  EXPECT_EQ(rig.stats.latency["session"].count(), 1u);
}

TEST(SessionMachine, ASessionTheFakesGiveNoShopperNeverStartsAndSaysWhy) {
  Rig rig;
  SessionMachine s(rig.context, "drive-x-2", 0, rig.t, rig.start, rig.stats);
  SessionRequest r;
  SteadyTime until;
  ASSERT_EQ(s.next(rig.start, r, until), SessionMachine::Next::kSend);
  s.answered(answer(503, "{}"), rig.start);
  EXPECT_EQ(s.next(rig.start, r, until), SessionMachine::Next::kDone);
  EXPECT_FALSE(s.started());
  EXPECT_NE(s.error().find("HTTP 503"), std::string::npos) << s.error();
}

TEST(SessionMachine, AnOrchestratorThatNeverOpensTheSessionLeavesItUnfinished) {
  Rig rig;
  SessionMachine s(rig.context, "drive-x-3", 0, rig.t, rig.start, rig.stats);
  SessionRequest r;
  SteadyTime until;
  SteadyTime now = rig.start;
  s.next(now, r, until);
  s.answered(answer(201, R"({"user":8,"customer":"user_8"})"), now);
  for (int attempt = 0; attempt < 2; ++attempt) {
    SessionMachine::Next n = s.next(now, r, until);
    if (n == SessionMachine::Next::kWait) {
      now = until;
      n = s.next(now, r, until);
    }
    ASSERT_EQ(n, SessionMachine::Next::kSend);
    EXPECT_EQ(r.path, "/v1/sessions");
    s.answered(answer(500, "{}"), now);
  }
  ASSERT_EQ(s.next(now, r, until), SessionMachine::Next::kDone);
  EXPECT_TRUE(s.started());
  EXPECT_EQ(s.result().outcome["finished"], false);
  EXPECT_EQ(rig.stats.http_errors, 2u);
}

}  // namespace
}  // namespace checkride
