// The shipped GitHub Actions template works end to end: its record -> replay -> run -> diff
// -> gates steps, taken from ci/github/model-regression.yml (not copied), run against the
// local binary with a scripted candidate model behind the recording proxy. A model that
// regresses fails the diff step.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/test_support.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string slurp(const fs::path& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Step {
  std::string run;
  std::map<std::string, std::string> env;
};

std::map<std::string, Step> workflow_steps() {
  YAML::Node wf = YAML::LoadFile(testing::source_path("ci/github/model-regression.yml"));
  std::map<std::string, Step> steps;
  for (const auto& job : wf["jobs"]) {
    for (const auto& s : job.second["steps"]) {
      if (!s["name"] || !s["run"]) continue;
      Step step{s["run"].as<std::string>(), {}};
      if (s["env"]) {
        for (const auto& e : s["env"])
          step.env[e.first.as<std::string>()] = e.second.as<std::string>();
      }
      steps[s["name"].as<std::string>()] = step;
    }
  }
  return steps;
}

// A candidate model behind an OpenAI-compatible endpoint: search, preview, then order with
// `max_total_cents` (a regressed model states a maximum below the quoted total).
class ScriptedModel {
 public:
  ScriptedModel() {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req,
                                                httplib::Response& res) {
      json body = json::parse(req.body);
      int answered = 0;
      for (const auto& m : body["messages"]) answered += m.value("role", "") == "tool";
      json message = {{"role", "assistant"}, {"content", "Your order is placed."}};
      const char* names[] = {"searchCatalog", "previewOrder", "placeOrder"};
      const std::string args[] = {
          R"({"query": "blue runner"})", R"({"items": [{"sku": "RUN-BLUE-42", "quantity": 1}]})",
          R"({"items": [{"sku": "RUN-BLUE-42", "quantity": 1}], "max_total_cents": )" +
              std::to_string(max_total.load()) + "}"};
      if (answered < 3) {
        message = {{"role", "assistant"},
                   {"content", nullptr},
                   {"tool_calls",
                    {{{"id", "call_" + std::to_string(answered)},
                      {"type", "function"},
                      {"function", {{"name", names[answered]}, {"arguments", args[answered]}}}}}}};
      }
      json reply = {{"id", "cmpl"},
                    {"object", "chat.completion"},
                    {"model", "candidate"},
                    {"choices", {{{"index", 0}, {"message", message}, {"finish_reason", "stop"}}}}};
      res.set_content(reply.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ScriptedModel() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::atomic<int> max_total{7900};

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// The team's own eval script the template calls: two shoppers, each confirming the quote.
constexpr const char* kAgentEval = R"js(
const base = process.env.OPENAI_BASE_URL;
const tools = {
  searchCatalog: () => ({ skus: ['RUN-BLUE-42'] }),
  previewOrder: () => ({ total_cents: 7900 }),
  placeOrder: () => ({ status: 'confirmed', order_id: 'ord_1', total_cents: 7900 }),
};
for (const shopper of [1, 2]) {
  const messages = [{ role: 'user', content: `Buy the blue runners in 42 (shopper ${shopper})` }];
  for (let turn = 0; turn < 6; turn++) {
    const r = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.OPENAI_API_KEY}` },
      body: JSON.stringify({ model: 'candidate', messages }),
    });
    const message = (await r.json()).choices[0].message;
    messages.push(message);
    if (!message.tool_calls) break;
    for (const call of message.tool_calls) {
      const answer = tools[call.function.name]();
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(answer) });
      if (call.function.name === 'previewOrder') {
        messages.push({ role: 'user', content: 'Yes, place the order' });
      }
    }
  }
}
)js";

class CiTemplate : public ::testing::Test {
 protected:
  void SetUp() override {
    ws_ = testing::temp_dir("ci-template");
    fs::create_directories(ws_ / "build");
    fs::create_directories(ws_ / "ci");
    fs::create_symlink(CHECKRIDE_BINARY, ws_ / "build" / "checkride");
    fs::create_symlink(testing::source_path("scenarios"), ws_ / "scenarios");
    std::ofstream(ws_ / "ci" / "agent-eval.mjs") << kAgentEval;
    std::ofstream(ws_ / "ci" / "agent-eval.sh")
        << "#!/usr/bin/env bash\nexec node \"$(dirname \"$0\")/agent-eval.mjs\"\n";
    fs::permissions(ws_ / "ci" / "agent-eval.sh", fs::perms::owner_all);
  }

  // Runs one step as GitHub would: bash -eo pipefail, the step's env, what earlier steps
  // wrote to $GITHUB_ENV. Returns the exit code.
  int run_step(const std::string& name) {
    auto found = steps_.find(name);
    EXPECT_NE(found, steps_.end()) << "the template has no step '" << name << "'";
    if (found == steps_.end()) return -1;
    auto expand = [&](std::string text) {
      text = std::regex_replace(text, std::regex(R"(\$\{\{\s*vars\.CANDIDATE_MODEL_URL\s*\}\})"),
                                model_.url());
      return std::regex_replace(text, std::regex(R"(\$\{\{\s*secrets\.[A-Z_]+\s*\}\})"),
                                "sk-test-key");
    };
    std::string script = "set -eo pipefail\ncd '" + ws_.string() + "'\n";
    script += "export GITHUB_ENV='" + (ws_ / "github_env").string() + "'\n";
    script += "export GITHUB_STEP_SUMMARY='" + (ws_ / "summary.md").string() + "'\n";
    std::istringstream saved(slurp(ws_ / "github_env"));
    for (std::string line; std::getline(saved, line);) {
      if (line.find('=') != std::string::npos) script += "export " + line + "\n";
    }
    for (const auto& [k, v] : found->second.env) script += "export " + k + "='" + expand(v) + "'\n";
    script += expand(found->second.run);
    fs::path file = ws_ / "step.sh";
    std::ofstream(file) << script;
    int status = std::system(("bash --noprofile --norc '" + file.string() + "' > '" +
                              (ws_ / "step.log").string() + "' 2>&1")
                                 .c_str());
    log_ += "== " + name + "\n" + slurp(ws_ / "step.log");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // record -> replay -> run -> diff -> gates, as the template orders them.
  void run_pipeline(int expected_diff) {
    fs::remove_all(ws_ / "out" / "candidate");
    fs::remove_all(ws_ / "cassettes");
    fs::remove(ws_ / "github_env");
    EXPECT_EQ(run_step("Record the candidate model's sessions"), 0) << log_;
    EXPECT_EQ(run_step("Replay the recorded sessions in the sandbox (with faults)"), 0) << log_;
    EXPECT_EQ(run_step("Run the suite against the candidate model's cassettes"), 0) << log_;
    EXPECT_EQ(run_step("Diff against the baseline (job summary)"), expected_diff) << log_;
    EXPECT_EQ(run_step("Gates of the candidate run"), 0) << log_;
  }

  // What uploading the candidate's reports and fetching them as the next baseline does.
  void keep_as_baseline() {
    fs::create_directories(ws_ / "out" / "baseline");
    for (const auto& e : fs::directory_iterator(ws_ / "out" / "candidate")) {
      if (e.path().extension() == ".json") {
        fs::copy_file(e.path(), ws_ / "out" / "baseline" / e.path().filename(),
                      fs::copy_options::overwrite_existing);
      }
    }
  }

  fs::path ws_;
  ScriptedModel model_;
  std::map<std::string, Step> steps_ = workflow_steps();
  std::string log_;
};

TEST_F(CiTemplate, RecordReplayAndDiffRunAsTheTemplateSaysAndARegressionFailsIt) {
  run_pipeline(0);  // no baseline yet: gates only
  const std::string cassette = slurp(ws_ / "cassettes" / "candidate.jsonl");
  EXPECT_NE(cassette.find("\"action\":\"placeOrder\""), std::string::npos) << cassette;
  EXPECT_EQ(cassette.find("sk-test-key"), std::string::npos) << "the key reached the cassette";
  json replay = json::parse(slurp(ws_ / "out" / "candidate" / "candidate.json"));
  EXPECT_EQ(replay["verdict"], "PASS") << replay.dump(2);
  EXPECT_EQ(replay["metrics"]["completion_rate"], 1);
  keep_as_baseline();

  run_pipeline(0);  // the same model again: no regression
  EXPECT_NE(slurp(ws_ / "diff.md").find("✅ no regression"), std::string::npos) << log_;

  model_.max_total = 5000;  // the candidate now states a maximum below the quote
  run_pipeline(1);
  const std::string diff = slurp(ws_ / "diff.md");
  EXPECT_NE(diff.find("❌ regression"), std::string::npos) << diff;
  EXPECT_NE(diff.find("### ❌ candidate"), std::string::npos) << diff;
  EXPECT_NE(diff.find("### candidate (replay)"), std::string::npos) << diff;
}

}  // namespace
}  // namespace checkride
