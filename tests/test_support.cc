#include "tests/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "orchestrator/action_catalog.h"
#include "scenario/scenario.h"
#include "simulator/simulation.h"
#include "simulator/suite.h"

namespace checkride::testing {
namespace fs = std::filesystem;

std::string source_path(const std::string& relative) {
  return (fs::path(CHECKRIDE_SOURCE_DIR) / relative).string();
}

std::string temp_dir(const std::string& name) {
  // Per process: ctest runs each test of a binary as its own process, in parallel, and two
  // tests asking for the same name must not remove each other's files.
  fs::path p =
      fs::temp_directory_path() / ("checkride-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string write_temp(const std::string& dir, const std::string& name, const std::string& text) {
  fs::path p = fs::path(dir) / name;
  std::ofstream(p) << text;
  return p.string();
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

ShellRun run_shell(const std::string& line) {
  std::string command = "(" + line + ") 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buf[4096];
  while (pipe && fgets(buf, sizeof buf, pipe)) output += buf;
  int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

Report run_scenario_file(const std::string& path, const std::vector<std::string>& overrides,
                         bool retire_settled) {
  Scenario s = load_scenario(path, overrides);
  // The scenario's own catalog, as `checkride run` uses it.
  ActionCatalog own;
  if (s.actions != "default") own = ActionCatalog::from_file(s.actions);
  const ActionCatalog& actions = s.actions != "default" ? own : ActionCatalog::default_catalog();
  SimulationOptions options;
  options.retire_settled = retire_settled;
  Simulation sim(s, actions, compile_templates(s, actions), options);
  return sim.run();
}

std::vector<std::string> shipped_scenarios() { return expand_scenarios(source_path("scenarios")); }

std::string schema_violations(const std::string& schema_file, const nlohmann::json& doc) {
  static std::map<std::string, std::unique_ptr<valijson::Schema>> parsed;
  std::unique_ptr<valijson::Schema>& schema = parsed[schema_file];
  if (!schema) {
    nlohmann::json schema_doc = nlohmann::json::parse(std::ifstream(source_path(schema_file)));
    schema = std::make_unique<valijson::Schema>();
    valijson::adapters::NlohmannJsonAdapter adapter(schema_doc);
    valijson::SchemaParser().populateSchema(adapter, *schema);
  }
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(doc);
  if (validator.validate(*schema, target, &results)) return "";
  std::string out;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    for (const auto& c : e.context) out += c;
    out += ": " + e.description + "\n";
  }
  return out;
}

}  // namespace checkride::testing
