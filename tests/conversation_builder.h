// A third-party agent's conversation, message by message, in OpenAI's chat shape as the
// worked examples' generators write them: for tests that import and replay one session.
#pragma once
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "orchestrator/action_catalog.h"
#include "recorder/importer.h"
#include "simulator/replay.h"
#include "tests/test_support.h"

namespace checkride::testing {

class Conversation {
 public:
  explicit Conversation(const std::string& user) : user_(user) {}
  void say(const std::string& role, const std::string& text) {
    messages_.push_back({{"role", role}, {"content", text}});
  }
  void call(const std::string& tool, const nlohmann::json& args, const nlohmann::json& result) {
    const std::string id = "call_" + std::to_string(++calls_);
    messages_.push_back({{"role", "assistant"},
                         {"content", nullptr},
                         {"tool_calls",
                          {{{"id", id},
                            {"type", "function"},
                            {"function", {{"name", tool}, {"arguments", args.dump()}}}}}}});
    messages_.push_back(
        {{"role", "tool"},
         {"tool_call_id", id},
         {"content", result.is_string() ? result.get<std::string>() : result.dump()}});
  }
  nlohmann::json dump(int task) const {
    return {{"task_id", task}, {"trial", 1}, {"user_id", user_}, {"messages", messages_}};
  }

 private:
  std::string user_;
  nlohmann::json messages_ = nlohmann::json::array();
  int calls_ = 0;
};

// The airline example's `book_reservation` arguments: one economy flight, one way, no bags
// or insurance, for `passengers`, paid by `payments` (the tool's payment_methods).
inline nlohmann::json one_way_booking(const std::string& user, const std::string& flight,
                                      const std::string& route, const std::string& date,
                                      const nlohmann::json& passengers,
                                      const nlohmann::json& payments) {
  return {{"user_id", user},
          {"origin", route.substr(0, 3)},
          {"destination", route.substr(4, 3)},
          {"flight_type", "one_way"},
          {"cabin", "economy"},
          {"flights", {{{"flight_number", flight}, {"date", date}}}},
          {"passengers", passengers},
          {"payment_methods", payments},
          {"total_baggages", 0},
          {"nonfree_baggages", 0},
          {"insurance", "no"}};
}

// Imports `conversations` with a worked example's catalog (`example`: "retail-support" or
// "airline-support"), or the catalog file `actions` when given: the cassette's path, under
// `dir`.
inline std::string import_example(const std::string& dir, const std::string& example,
                                  const nlohmann::json& conversations,
                                  const std::string& actions = "") {
  ImportOptions io;
  io.files = {write_temp(dir, "t.json", conversations.dump())};
  io.from = "openai";
  io.session_id_fields = {"task_id", "trial"};
  io.user_id_field = "user_id";
  io.amount_scale = 100;
  io.out = dir + "/" + example + ".jsonl";
  ActionCatalog catalog = ActionCatalog::from_file(
      actions.empty() ? source_path("scenarios/catalogs/" + example + ".yaml") : actions);
  for (const auto& a : catalog.actions()) io.actions.insert(a.first);
  std::ostringstream iout, ierr;
  if (run_import(io, iout, ierr) != 0) throw std::runtime_error(ierr.str());
  return io.out;
}

// Imports `conversations` (import_example) and replays them in the example's world, or in the
// world file `world` (and, with `infer_missing`, what the recording names that the world
// lacks), under `faults` (a fault list's text) and with the action catalog `actions` (a file)
// when given.
inline ReplayResult replay_example(const std::string& dir, const std::string& example,
                                   const nlohmann::json& conversations, bool infer_missing = false,
                                   const std::string& world = "", const std::string& faults = "",
                                   const std::string& actions = "") {
  ReplayOptions o;
  o.cassette = import_example(dir, example, conversations, actions);
  o.world = world.empty() ? source_path("scenarios/worlds/" + example + ".yaml") : world;
  o.infer_missing = infer_missing;
  if (!faults.empty()) o.faults = write_temp(dir, "faults.yaml", faults);
  o.actions = actions.empty() ? source_path("scenarios/catalogs/" + example + ".yaml") : actions;
  o.allow_empty = true;
  o.out_dir = dir;
  o.quiet = true;
  std::ostringstream out, err;
  ReplayResult r;
  if (run_replay(o, out, err, &r) == 2) throw std::runtime_error(err.str());
  return r;
}

}  // namespace checkride::testing
