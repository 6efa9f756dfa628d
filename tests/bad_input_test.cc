// Bad input: exit 2, a message naming the file, the line or field and what was expected,
// and nothing run. Never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "orchestrator/action_catalog.h"
#include "protocol/input_error.h"
#include "protocol/user_regex.h"
#include "scenario/scenario.h"
#include "simulator/replay.h"
#include "simulator/suite.h"
#include "tests/test_support.h"

namespace checkride {
namespace {

class BadInput : public ::testing::Test {
 protected:
  std::string dir = testing::temp_dir("bad-input");
  std::string cassette = testing::source_path("scenarios/cassettes/orders-happy.jsonl");
  std::string good_workload = "workload:\n  sessions: 5\n  mix: [{cassette: " + cassette + "}]\n";

  // Runs the scenario; expects exit 2 and returns the message.
  std::string run_expecting_2(const std::string& yaml) {
    RunOptions o;
    o.paths = {testing::write_temp(dir, "s.yaml", yaml)};
    o.out_dir = dir + "/reports";
    o.quiet = true;
    std::ostringstream out, err;
    EXPECT_EQ(run_scenarios(o, out, err), 2);
    EXPECT_FALSE(std::filesystem::exists(o.out_dir + "/s.json")) << "nothing may run";
    return err.str();
  }
};

TEST_F(BadInput, MalformedYamlNamesTheLine) {
  std::string msg = run_expecting_2("scenario: x\nworld: {catalog: [unclosed\n" + good_workload);
  EXPECT_NE(msg.find("s.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("malformed YAML"), std::string::npos) << msg;
}

TEST_F(BadInput, UnknownKeyIsAnErrorNotIgnored) {
  std::string msg = run_expecting_2("scenario: x\nseeed: 4\n" + good_workload);
  EXPECT_NE(msg.find("s.yaml:2: seeed: unknown key"), std::string::npos) << msg;
}

TEST_F(BadInput, AnUnknownMetricInExpectIsRefusedWithTheNearestName) {
  std::string msg =
      run_expecting_2("scenario: x\n" + good_workload + "expect:\n  duplicate_charge: 0\n");
  EXPECT_NE(msg.find("s.yaml:6: expect.duplicate_charge: unknown metric 'duplicate_charge'; did "
                     "you mean 'duplicate_charges'?"),
            std::string::npos)
      << msg;
}

TEST_F(BadInput, AFaultRuleOnAnOpOfAnotherProviderCouldNeverFire) {
  std::string msg =
      run_expecting_2("scenario: x\n" + good_workload +
                      "faults:\n  - {provider: payment, op: reserve, kind: outage}\n");
  EXPECT_NE(msg.find("s.yaml:6: faults[0].op: op 'reserve' belongs to catalog, not payment"),
            std::string::npos)
      << msg;
  msg = run_expecting_2("scenario: x\n" + good_workload +
                        "faults:\n  - {provider: payment, kind: outage, nth: -1}\n");
  EXPECT_NE(msg.find("faults[0].nth: expected an integer >= 1"), std::string::npos) << msg;
}

TEST_F(BadInput, AnAuthenticationTimeoutMustBePositiveAndEndBeforeTheReservation) {
  std::string msg =
      run_expecting_2("scenario: x\norchestrator: {authentication_timeout: 10m}\n" + good_workload);
  EXPECT_NE(msg.find("s.yaml:2: orchestrator.authentication_timeout: expected less than "
                     "reservation_ttl"),
            std::string::npos)
      << msg;
  msg =
      run_expecting_2("scenario: x\norchestrator: {authentication_timeout: 0s}\n" + good_workload);
  EXPECT_NE(msg.find("authentication_timeout: expected a positive duration"), std::string::npos)
      << msg;
  msg = run_expecting_2("scenario: x\n" + good_workload +
                        "faults:\n  - {provider: payment, kind: forge}\n");
  EXPECT_NE(msg.find("forge needs provider: webhook"), std::string::npos) << msg;
  msg = run_expecting_2("scenario: x\n" + good_workload +
                        "faults:\n  - {provider: webhook, kind: forge, op: charge.refunded}\n");
  EXPECT_NE(msg.find("faults[0].op: forge strikes only payment_intent.requires_action"),
            std::string::npos)
      << msg;
}

TEST_F(BadInput, ThreeDSecureShoppersAreShares) {
  const std::string workload = "workload:\n  sessions: 5\n  mix: [{cassette: " + cassette + "}]\n";
  std::string msg =
      run_expecting_2("scenario: x\n" + workload + "  three_d_secure: {passes: 1.5}\n");
  EXPECT_NE(msg.find("s.yaml:5: workload.three_d_secure.passes: expected a number in [0, 1]"),
            std::string::npos)
      << msg;
  msg =
      run_expecting_2("scenario: x\n" + workload + "  three_d_secure: {passes: 0.7, fails: 0.4}\n");
  EXPECT_NE(msg.find("three_d_secure.fails: passes + fails is more than 1"), std::string::npos)
      << msg;
  msg = run_expecting_2("scenario: x\n" + workload + "  three_d_secure: {pases: 0.7}\n");
  EXPECT_NE(msg.find("three_d_secure.pases: unknown key"), std::string::npos) << msg;
}

TEST_F(BadInput, SetReachesListItemsAndRefusesOnesThatDoNotExist) {
  const std::string path = testing::source_path("scenarios/payment-outage.yaml");
  Scenario s = load_scenario(path, {"faults[0].probability=0.25"});
  EXPECT_EQ(s.faults[0].probability, 0.25);
  EXPECT_EQ(s.faults[1].probability, 1.0);
  try {
    load_scenario(path, {"faults[9].probability=0"});
    ADD_FAILURE() << "an index past the end was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("faults[9].probability: index 9 is past the end of a "
                                         "list of 2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(load_scenario(path, {"faults[x].kind=outage"}), InputError);
}

TEST_F(BadInput, ACassetteNestedTooDeepIsRefusedNotACrash) {
  std::string params(5000, '[');
  params += std::string(5000, ']');
  std::string deep = testing::write_temp(
      dir, "deep.jsonl",
      "{\"format\":\"checkride.cassette/v1\"}\n{\"session\":\"s\",\"seq\":1,\"t_ms\":0,"
      "\"type\":\"action\",\"call_id\":\"c\",\"action\":\"placeOrder\",\"params\":" +
          params + "}\n");
  std::string msg =
      run_expecting_2("scenario: x\nworkload:\n  sessions: 5\n  mix: [{cassette: " + deep + "}]\n");
  EXPECT_NE(msg.find("deep.jsonl:2: not valid JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nested deeper than 128 levels"), std::string::npos) << msg;
}

TEST_F(BadInput, WrongTypeNamesTheField) {
  std::string msg = run_expecting_2(
      "scenario: x\nworkload:\n  sessions: many\n  mix: [{cassette: " + cassette + "}]\n");
  EXPECT_NE(msg.find("s.yaml:3: workload.sessions: expected an integer, got 'many'"),
            std::string::npos)
      << msg;
}

// OAuth clients in the scenario: each mistake names its line and field.
TEST_F(BadInput, OAuthClientsNameTheClientAndWhatIsWrongWithIt) {
  std::string msg = run_expecting_2(
      "scenario: x\noauth_clients:\n  - {id: shop-app, redirect_uris: ['https://a.test/cb']}\n"
      "  - {id: shop-app, redirect_uris: ['https://b.test/cb']}\n" +
      good_workload);
  EXPECT_NE(msg.find("s.yaml:4: oauth_clients[1].id: client 'shop-app' is declared twice"),
            std::string::npos)
      << msg;
  msg = run_expecting_2(
      "scenario: x\noauth_clients:\n  - id: shop-app\n    redirect_uris:\n"
      "      - https://a.test/cb\n      - shop.test/cb\n" +
      good_workload);
  EXPECT_NE(msg.find("s.yaml:6: oauth_clients[0].redirect_uris: redirect URI 'shop.test/cb': "
                     "expected an absolute http(s) URL without a fragment"),
            std::string::npos)
      << msg;
  msg = run_expecting_2("scenario: x\noauth_clients:\n  - {id: 'a b', redirect_uris: [x]}\n" +
                        good_workload);
  EXPECT_NE(msg.find("s.yaml:3: oauth_clients[0].id: client id 'a b': expected 1 to 200 visible"),
            std::string::npos)
      << msg;
  msg = run_expecting_2("scenario: x\noauth_clients:\n  - {id: app, redirect_uris: []}\n" +
                        good_workload);
  EXPECT_NE(msg.find("oauth_clients[0].redirect_uris: expected a list of at least one"),
            std::string::npos)
      << msg;
}

// Found by fuzz_scenario: a latency median of 177777777777777777775ms rounded to a negative
// number, and its default p99 (three medians) overflowed. Durations stop at 366 days.
// Found by fuzz_scenario: a mapping in the list of world catalogs ended the process with
// yaml-cpp's bad conversion.
TEST_F(BadInput, AWorldCatalogListHoldsPathsOnly) {
  std::string msg =
      run_expecting_2("scenario: x\nworld:\n  catalog: [{scenario: x}]\n" + good_workload);
  EXPECT_NE(msg.find("s.yaml:3: world.catalog: expected a list of catalog file paths"),
            std::string::npos)
      << msg;
}

// Found by fuzz_scenario: a directory named as the world catalog made the file stream throw
// (std::ios_base::failure) out of the loader.
TEST_F(BadInput, ADirectoryWhereAFileBelongsIsExitTwo) {
  std::string msg = run_expecting_2("scenario: x\nworld:\n  catalog: .\n" + good_workload);
  EXPECT_NE(msg.find("cannot open catalog: it is a directory"), std::string::npos) << msg;
}

// A count past 32 bits used to wrap into range (a stock of 4294967297 was a stock of 1), and
// a refund of 250% of the fare was taken. Each is refused, naming the field and the range.
TEST_F(BadInput, ACountOutOfItsRangeIsRefusedNotWrapped) {
  const std::pair<std::string, std::string> kBad[] = {
      {"skus: [{id: A, price_cents: 100, stock: 4294967297}]\n",
       "skus[0].stock: expected an integer from 0 to 1073741823, got 4294967297"},
      {"offers: [{id: F, price_cents: 100, capacity: 9, refund_percent: 250}]\n",
       "offers[0].refund_percent: expected an integer from 0 to 100, got 250"},
      {"offers: [{id: F, price_cents: 100, capacity: -3}]\n", "offers[0].capacity"},
      {"offers: [{id: F, price_cents: 100, capacity: 9}]\nbookings: [{reference: R, offer: F, "
       "seats: 4294967297}]\n",
       "bookings[0].seats: expected an integer from 1 to 1000"},
  };
  for (const auto& [world, expected] : kBad) {
    std::string catalog = testing::write_temp(dir, "w.yaml", world);
    std::string msg =
        run_expecting_2("scenario: x\nworld:\n  catalog: " + catalog + "\n" + good_workload);
    EXPECT_NE(msg.find(expected), std::string::npos) << msg;
  }
  std::string msg = run_expecting_2(
      "scenario: x\norchestrator:\n  policy: {max_quantity: "
      "4294967296}\n" +
      good_workload);
  EXPECT_NE(msg.find("orchestrator.policy.max_quantity: expected an integer from 0"),
            std::string::npos)
      << msg;
}

// Found by fuzz_scenario: a world catalog named by a file name longer than NAME_MAX made
// std::filesystem::exists throw, which ended the process.
TEST_F(BadInput, AFileNameTooLongForTheFilesystemIsExitTwo) {
  std::string name = "/" + std::string(300, 'x') + ".yaml";
  std::string msg =
      run_expecting_2("scenario: x\nworld:\n  catalog: " + name + "\n" + good_workload);
  EXPECT_NE(msg.find("cannot open catalog: File name too long"), std::string::npos) << msg;
  RunOptions o;
  o.paths = {name};
  o.out_dir = dir + "/reports";
  o.quiet = true;
  std::ostringstream out, err;
  EXPECT_EQ(run_scenarios(o, out, err), 2);
  EXPECT_NE(err.str().find("no scenario file or directory: File name too long"), std::string::npos)
      << err.str();
}

TEST_F(BadInput, ADurationBeyondAYearIsRefused) {
  std::string msg = run_expecting_2(
      "scenario: x\nworld:\n  latency: {catalog: {median: 177777777777777777775ms}}\n" +
      good_workload);
  EXPECT_NE(msg.find("world.latency.catalog.median: expected a duration like 250ms, 5s, 3m or "
                     "1h (at most 366 days), got '177777777777777777775ms'"),
            std::string::npos)
      << msg;
  msg = run_expecting_2("scenario: x\n" + good_workload + "  drain: 9000h\n");
  EXPECT_NE(msg.find("workload.drain: expected a duration"), std::string::npos) << msg;
}

TEST_F(BadInput, BadDurationAndBadRate) {
  std::string msg = run_expecting_2("scenario: x\n" + good_workload + "  drain: 10 minutes\n");
  EXPECT_NE(msg.find("workload.drain: expected a duration like 250ms"), std::string::npos) << msg;
  msg = run_expecting_2(
      "scenario: x\nworkload:\n  sessions: 5\n  arrival: {rate: fast}\n  mix: [{cassette: " +
      cassette + "}]\n");
  EXPECT_NE(msg.find("workload.arrival.rate: expected a rate like 50/s"), std::string::npos) << msg;
}

TEST_F(BadInput, MissingCassette) {
  std::string msg = run_expecting_2(
      "scenario: x\nworkload:\n  sessions: 5\n  mix: [{cassette: nowhere.jsonl}]\n");
  EXPECT_NE(msg.find("nowhere.jsonl: cannot open cassette"), std::string::npos) << msg;
}

TEST_F(BadInput, BrokenCassetteNamesFileLineAndField) {
  std::string broken = testing::write_temp(dir, "broken.jsonl",
                                           "{\"format\":\"checkride.cassette/v1\"}\n"
                                           "{\"session\":\"s\",\"seq\":1,\"t_ms\":0,\"type\":"
                                           "\"action\",\"call_id\":\"c1\",\"params\":{}}\n");
  std::string msg = run_expecting_2(
      "scenario: x\nworkload:\n  sessions: 5\n  mix: [{cassette: " + broken + "}]\n");
  EXPECT_NE(msg.find("broken.jsonl:2: action: missing"), std::string::npos) << msg;
  std::string not_json =
      testing::write_temp(dir, "notjson.jsonl", "{\"format\":\"checkride.cassette/v1\"}\n{oops\n");
  msg = run_expecting_2("scenario: x\nworkload:\n  sessions: 5\n  mix: [{cassette: " + not_json +
                        "}]\n");
  EXPECT_NE(msg.find("notjson.jsonl:2: not valid JSON"), std::string::npos) << msg;
}

TEST_F(BadInput, ACatalogsErrorPatternsAreRegularExpressions) {
  const std::string actions =
      "actions:\n  - {name: find, handler: search_catalog, params: {type: object}}\n";
  ActionCatalog good =
      ActionCatalog::from_yaml_text("error_patterns: [\"^sorry\", \"unable to\"]\n" + actions, "c");
  EXPECT_EQ(good.error_patterns(), (std::vector<std::string>{"^sorry", "unable to"}));
  try {
    ActionCatalog::from_yaml_text("error_patterns: [\"^ok\", \"([bad\"]\n" + actions, "c.yaml");
    ADD_FAILURE() << "a bad regular expression loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("c.yaml:1: error_patterns[1]: not a regular expression"),
              std::string::npos)
        << e.what();
  }  // Found by fuzz_action_catalog: a huge repetition count overflowed inside libstdc++'s
  // regex compiler (undefined behaviour), in error_patterns and in a schema's pattern alike.
  try {
    ActionCatalog::from_yaml_text("error_patterns: [\"a{67777777777777777770}\"]\n" + actions,
                                  "c.yaml");
    ADD_FAILURE() << "a repetition count of 6.7e19 loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("error_patterns[0]: a repetition count or backreference"),
              std::string::npos)
        << e.what();
  }
  try {
    ActionCatalog::from_yaml_text(
        "actions:\n  - {name: find, handler: search_catalog, params: {type: object, "
        "properties: {q: {type: string, pattern: \"^x{2,99999999999}$\"}}}}\n",
        "c.yaml");
    ADD_FAILURE() << "a schema pattern with a repetition count of 1e11 loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a repetition count or backreference above 1000"),
              std::string::npos)
        << e.what();
  }
  // Found by fuzz_action_catalog: a backreference number overflows the same way.
  try {
    ActionCatalog::from_yaml_text(
        "error_patterns: [\"(a)\\\\\\\\\\\\6666666666666666666666\"]\n" + actions, "c.yaml");
    ADD_FAILURE() << "a backreference of 6.7e21 loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("error_patterns[0]: a repetition count or backreference"),
              std::string::npos)
        << e.what();
  }
  std::regex small;
  std::string why;
  EXPECT_TRUE(compile_user_regex("(a)(b)\\2\\\\9999", std::regex::ECMAScript, small, why)) << why;
}

// Found by fuzz_action_catalog: a mapping pointer with a bare '~' loaded, then threw
// nlohmann's parse_error out of every action call that used it, which ended the process.
TEST_F(BadInput, AMappingPointerThatIsNotRfc6901IsRefusedAtLoad) {
  try {
    ActionCatalog::from_yaml_text(
        "actions:\n  - name: find\n    handler: search_catalog\n    params: {type: object}\n"
        "    map: {query: /q~x}\n",
        "c.yaml");
    ADD_FAILURE() << "a pointer with a bare '~' loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("c.yaml:5: actions[0].map.query: not a JSON pointer"),
              std::string::npos)
        << e.what();
  }
  // An array index past any array is absent, not an exception out of the call.
  ActionCatalog catalog = ActionCatalog::from_yaml_text(
      "actions:\n  - name: find\n    handler: search_catalog\n    params: {type: object}\n"
      "    map: {query: /q/99999999999999999999999}\n",
      "c.yaml");
  HandlerInput in;
  std::string error;
  EXPECT_TRUE(catalog.map_inputs(*catalog.find("find"), nlohmann::json::parse(R"({"q": ["a"]})"),
                                 in, error))
      << error;
  EXPECT_EQ(in.query, "");
}

// An invalid JSON Schema in an action catalog used to abort (valijson's abort() without
// exceptions): now exit 2 naming the file, the action and the schema path, wherever the
// catalog is read.
TEST_F(BadInput, AnInvalidParamsSchemaIsExitTwoNamingTheActionAndThePath) {
  const std::pair<std::string, std::string> kSchemas[] = {
      {"{type: object, properties: {q: {type: strin}}}",
       "actions[0].params/properties/q: invalid JSON Schema in action 'find': Unrecognised JSON "
       "type name 'strin'"},
      {"{type: object, required: [1]}", "actions[0].params: invalid JSON Schema in action 'find'"},
      {"{type: object, properties: {q: {type: string, pattern: \"([\"}}}",
       "actions[0].params/properties/q/pattern: invalid JSON Schema in action 'find': not a "
       "regular expression"},
      {"{type: object, properties: {q: {items: [{type: 7}]}}}",
       "actions[0].params/properties/q/items/0: invalid JSON Schema in action 'find'"},
  };
  int i = 0;
  for (const auto& [schema, expected] : kSchemas) {
    const std::string catalog = testing::write_temp(
        dir, "actions-" + std::to_string(i++) + ".yaml",
        "actions:\n  - name: find\n    handler: search_catalog\n    params: " + schema + "\n");
    std::ostringstream out, err;
    EXPECT_EQ(validate_files({catalog}, out, err), 2) << schema;
    EXPECT_NE(err.str().find(catalog + ":4: " + expected), std::string::npos) << err.str();
    std::string msg = run_expecting_2(
        "scenario: x\nworld: {catalog: " + testing::source_path("scenarios/catalogs/shop.yaml") +
        "}\norchestrator: {actions: " + catalog + "}\n" + good_workload);
    EXPECT_NE(msg.find(expected), std::string::npos) << msg;
    ReplayOptions ro;
    ro.cassette = cassette;
    ro.actions = catalog;
    ro.out_dir = dir + "/replay";
    ro.quiet = true;
    std::ostringstream rout, rerr;
    EXPECT_EQ(run_replay(ro, rout, rerr), 2) << rout.str();
    EXPECT_NE(rerr.str().find(expected), std::string::npos) << rerr.str();
  }
}

TEST_F(BadInput, UnknownActionInACatalogAndUnknownDefect) {
  std::string catalog = testing::write_temp(
      dir, "actions.yaml",
      "actions:\n  - name: pay\n    handler: wire_money\n    params: {type: object}\n");
  std::string msg =
      run_expecting_2("scenario: x\norchestrator: {actions: " + catalog + "}\n" + good_workload);
  EXPECT_NE(msg.find("actions.yaml:3: actions[0].handler: unknown handler 'wire_money'"),
            std::string::npos)
      << msg;
  msg = run_expecting_2("scenario: x\norchestrator: {defects: [be_evil]}\n" + good_workload);
  EXPECT_NE(msg.find("orchestrator.defects: unknown defect 'be_evil'"), std::string::npos) << msg;
}

TEST_F(BadInput, ValidateReportsEveryBadFileAndExits2) {
  std::ostringstream out, err;
  std::string bad = testing::write_temp(
      dir, "bad.yaml", "scenario: x\nfaults: [{provider: moon, kind: outage}]\n" + good_workload);
  EXPECT_EQ(validate_files({testing::source_path("scenarios/happy-orders.yaml"), bad, cassette},
                           out, err),
            2);
  EXPECT_NE(err.str().find("faults[0].provider: expected payment, catalog"), std::string::npos)
      << err.str();
  EXPECT_NE(out.str().find("happy-orders.yaml: ok"), std::string::npos);
  EXPECT_NE(out.str().find("orders-happy.jsonl: ok (cassette, 3 sessions)"), std::string::npos);
}

// A world file of only rules (no catalog of its own: it is combined with one) is read as a world
// file, not refused as a scenario without a workload.
TEST_F(BadInput, ValidateReadsAWorldFileOfOnlyRules) {
  const std::string files[] = {
      "now: 2024-05-15T15:00:00Z\n",
      "instrument_rules:\n  - {prefix: certificate_, pays_for: [purchase]}\n",
      "payment: exact\n",
      "payment: {parts: at_most}\n",
      "memberships:\n  - {user: a, tier: gold}\n",
  };
  int i = 0;
  for (const auto& text : files) {
    std::ostringstream out, err;
    const std::string path =
        testing::write_temp(dir, "rules" + std::to_string(i++) + ".yaml", text);
    EXPECT_EQ(validate_files({path}, out, err), 0) << text << err.str();
    EXPECT_NE(out.str().find(": ok (world file"), std::string::npos) << text << out.str();
  }
  std::ostringstream out, err;
  EXPECT_EQ(
      validate_files({testing::write_temp(dir, "bad.yaml", "payment: sometimes\n")}, out, err), 2);
  EXPECT_NE(err.str().find("bad.yaml:1: payment: expected at_most or exact"), std::string::npos)
      << err.str();
}

}  // namespace
}  // namespace checkride
