// The checkride binary: options in, a call into a module, exit code out.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <set>

#include "cli/help.h"
#include "orchestrator/action_catalog.h"
#include "orchestrator/defects.h"
#include "protocol/catalog_ref.h"
#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/output_file.h"
#include "recorder/importer.h"
#include "recorder/llm_proxy.h"
#include "recorder/record_on_miss.h"
#include "reports/diff.h"
#include "reports/html_render.h"
#include "reports/report_merge.h"
#include "scenario/consent_policy.h"
#include "simulator/replay.h"
#include "simulator/shrink.h"
#include "simulator/suite.h"
#include "simulator/sweep.h"
#include "wire/drive/drive.h"
#include "wire/drive/drive_merge.h"
#include "wire/fakes/serve_fakes.h"
#include "wire/orchestrator/orchestrator_service.h"

namespace po = boost::program_options;
using checkride::RunOptions;

namespace {

constexpr const char* kUsage =
    "usage: checkride <command> [options]\n\n"
    "commands:\n"
    "  run SCENARIO|DIR...   simulate scenarios, write reports, gate on expect:\n"
    "  validate FILE...      check scenarios, cassettes and action catalogs\n"
    "  sweep SCENARIO --seeds A..B   one run per seed (--jobs, --swarm, --shard); pass^k\n"
    "  shrink SCENARIO --out DIR   a failing run's smallest scenario that still fails\n"
    "  report merge DIR... --out DIR   add up a sharded sweep's (or drive's) reports, exactly\n"
    "  report render REPORT.json --format html   a report as a self-contained page\n"
    "  diff BASE CANDIDATE   compare two reports (or report directories) against thresholds\n"
    "  defects               list the orchestrator's defect switches\n"
    "  replay CASSETTE       each recorded session once through the sandbox; where it diverges\n"
    "  record llm --upstream URL --out CASSETTE   OpenAI-compatible recording proxy\n"
    "  record import FILE... --out CASSETTE [--from FORMAT]     transcripts -> cassette\n"
    "  serve fakes [--scenario S]   Stripe, OAuth 2.0, catalog, bookings, LLM fakes over HTTP\n"
    "  serve orchestrator           the orchestrator as a signed HTTP service (SQLite store)\n"
    "  drive --orchestrator URL     cassette sessions over HTTP at an open-model rate\n\n"
    "  help [COMMAND]        this list, or a command's options\n\n"
    "`checkride <command> --help` for a command's options; `checkride --version`.\n";

// The subcommands of `record`, `report` and `serve`, for their own help.
constexpr const char* kRecordUsage =
    "usage: checkride record <subcommand> [options]\n\n"
    "subcommands:\n"
    "  llm --upstream URL --out CASSETTE   OpenAI-compatible recording proxy\n"
    "  import FILE... --out CASSETTE       transcripts or an audit log -> cassette\n\n"
    "`checkride record <subcommand> --help` for its options.\n";
constexpr const char* kReportUsage =
    "usage: checkride report <subcommand> [options]\n\n"
    "subcommands:\n"
    "  merge DIR... --out DIR             add up a sharded sweep's (or drive's) reports\n"
    "  render REPORT.json --format html   a run, replay or sweep report as a page\n\n"
    "`checkride report <subcommand> --help` for its options.\n";
constexpr const char* kServeUsage =
    "usage: checkride serve <subcommand> [options]\n\n"
    "subcommands:\n"
    "  fakes          Stripe, OAuth 2.0/OIDC, catalog, bookings and LLM fakes over HTTP\n"
    "  orchestrator   the orchestrator as a signed HTTP service on a SQLite store\n\n"
    "`checkride serve <subcommand> --help` for its options.\n";

bool asks_help(const std::string& arg) { return arg == "--help" || arg == "-h" || arg == "help"; }

// A command with subcommands, given none or a help flag: lists them. Exit 0 for help, 2 for
// nothing (the list goes to stderr then).
int list_subcommands(const std::vector<std::string>& args, const char* usage) {
  if (!args.empty() && asks_help(args[0])) {
    std::cout << usage;
    return 0;
  }
  if (args.empty()) {
    std::cerr << usage;
  } else {
    std::cerr << "checkride: unknown subcommand '" << args[0] << "'\n\n" << usage;
  }
  return 2;
}

std::vector<std::string> split_commas(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    std::size_t start = 0;
    while (start <= s.size()) {
      auto comma = s.find(',', start);
      std::string part =
          s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

// Parses `args` with every bare argument going to `positional`; true when --help was shown.
bool parse_or_help(const std::vector<std::string>& args, const po::options_description& desc,
                   const char* positional, po::variables_map& vm) {
  po::positional_options_description pos;
  pos.add(positional, -1);
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (!vm.count("help")) return false;
  checkride::cli::print_options(desc, positional, std::cout);
  return true;
}

// `--format` on replay and sweep: their JSON and Markdown are always written (a merge and a
// diff read them); html adds the page. False, with the message, on another format.
bool html_format(const std::vector<std::string>& formats, bool& html, const char* command) {
  for (const auto& f : formats) {
    if (f == "html") {
      html = true;
    } else if (f != "json" && f != "md") {
      std::cerr << "checkride " << command << ": --format: unknown format '" << f
                << "'; expected json, md or html\n";
      return false;
    }
  }
  return true;
}

bool no_color() {
  const char* v = std::getenv("NO_COLOR");
  return v != nullptr && *v != '\0';
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description desc("checkride run SCENARIO|DIR... [options]");
  RunOptions o;
  std::vector<std::string> formats;
  int64_t seed = -1, sessions = -1;
  desc.add_options()("help,h", "show this help")("seed", po::value<int64_t>(&seed),
                                                 "override the scenario's seed")(
      "sessions", po::value<int64_t>(&sessions), "override workload.sessions")(
      "set", po::value<std::vector<std::string>>(&o.overrides),
      "override any field: key.path=value")(
      "out", po::value<std::string>(&o.out_dir)->default_value("out"), "report directory")(
      "format", po::value<std::vector<std::string>>(&formats), "json,md,html (default json,md)")(
      "defect", po::value<std::vector<std::string>>(&o.defects),
      "enable a defect switch (repeatable)")("check-determinism",
                                             po::bool_switch(&o.check_determinism),
                                             "run twice, compare report bytes")(
      "session", po::value<uint64_t>(&o.trace_session), "with --trace: the session to print")(
      "trace", "print the --session's events")("quiet,q", po::bool_switch(&o.quiet), "no summary")(
      "junit", po::value<std::string>(&o.junit_file), "also write JUnit XML here")(
      "allow-empty", po::bool_switch(&o.allow_empty),
      "accept a run that exercised nothing (default: NO EVIDENCE, exit 1)")(
      "swarm", po::bool_switch(&o.swarm),
      "draw from the seed which fault rules are on and their rates (as `sweep --swarm`)")(
      "audit-log", po::value<std::string>(&o.audit_log),
      "also write the orchestrator's hash-chained audit log (JSONL) here; one scenario")(
      "scenario", po::value<std::vector<std::string>>(&o.paths), "scenario files or directories");
  po::variables_map vm;
  if (parse_or_help(args, desc, "scenario", vm)) return 0;
  if (o.paths.empty()) {
    std::cerr << "checkride run: expected at least one scenario file or directory\n";
    return 2;
  }
  if (vm.count("trace") && o.trace_session == 0) {
    std::cerr << "checkride run: --trace needs --session ID\n";
    return 2;
  }
  if (!vm.count("trace")) o.trace_session = 0;
  if (vm.count("seed") && seed < 0) {
    std::cerr << "checkride run: --seed " << seed << ": expected an integer >= 0\n";
    return 2;
  }
  if (vm.count("sessions") && sessions < 1) {
    std::cerr << "checkride run: --sessions " << sessions << ": expected an integer >= 1\n";
    return 2;
  }
  if (vm.count("seed")) o.overrides.push_back("seed=" + std::to_string(seed));
  if (vm.count("sessions")) o.overrides.push_back("workload.sessions=" + std::to_string(sessions));
  if (!formats.empty()) o.formats = split_commas(formats);
  for (const auto& f : o.formats) {
    if (f != "json" && f != "md" && f != "html") {
      std::cerr << "checkride run: --format: unknown format '" << f
                << "'; expected json, md or html\n";
      return 2;
    }
  }
  // Progress only for a person at a terminal, never in CI logs or pipes; NO_COLOR turns off
  // colour, not progress.
  o.progress = !o.quiet && isatty(STDERR_FILENO);
  o.color = !no_color() && isatty(STDOUT_FILENO);
  return checkride::run_scenarios(o, std::cout, std::cerr);
}

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description desc("checkride validate FILE...");
  std::vector<std::string> files;
  desc.add_options()("help,h", "show this help")(
      "file", po::value<std::vector<std::string>>(&files),
      "scenario (.yaml), cassette (.jsonl) or action catalog");
  po::variables_map vm;
  if (parse_or_help(args, desc, "file", vm)) return 0;
  if (files.empty()) {
    std::cerr << "checkride validate: expected at least one file\n";
    return 2;
  }
  return checkride::validate_files(files, std::cout, std::cerr);
}

int cmd_diff(const std::vector<std::string>& args) {
  po::options_description desc(
      "checkride diff BASELINE CANDIDATE [--thresholds FILE]\n"
      "  BASELINE and CANDIDATE: two report .json files, or two directories of them.\n"
      "  Prints Markdown for a CI job summary; exit 1 when a threshold is breached");
  checkride::DiffOptions o;
  std::vector<std::string> reports;
  desc.add_options()("help,h", "show this help")(
      "thresholds", po::value<std::string>(&o.thresholds),
      "YAML: metric: {max_drop|max_rise|max_drop_percent|max_rise_percent: N}")(
      "report", po::value<std::vector<std::string>>(&reports), "baseline, then candidate");
  po::variables_map vm;
  if (parse_or_help(args, desc, "report", vm)) return 0;
  if (reports.size() != 2) {
    std::cerr << "checkride diff: expected BASELINE and CANDIDATE, got " << reports.size()
              << " argument(s)\n";
    return 2;
  }
  o.baseline = reports[0];
  o.candidate = reports[1];
  return checkride::run_diff(o, std::cout, std::cerr);
}

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description desc("checkride sweep SCENARIO --seeds A..B [options]");
  checkride::SweepOptions o;
  std::vector<std::string> scenarios;
  std::string shard;
  int shards = 0;
  std::vector<std::string> formats;
  desc.add_options()("help,h", "show this help")("seeds", po::value<std::string>(&o.seeds),
                                                 "inclusive range of seeds, e.g. 1..8")(
      "jobs,j", po::value<int>(&o.jobs)->default_value(1),
      "processes running seeds at once (the report is byte-identical for any N)")(
      "swarm", po::bool_switch(&o.swarm),
      "each seed draws which fault rules are on and their rates (`run --seed N --swarm` "
      "reproduces one)")("shard", po::value<std::string>(&shard),
                         "I/N: run seeds A+I, A+I+N, ... (else $CHECKRIDE_SHARD)")(
      "shards", po::value<int>(&shards),
      "N shards, this one's index from $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)")(
      "defect", po::value<std::vector<std::string>>(&o.defects),
      "enable a defect switch (repeatable)")("format",
                                             po::value<std::vector<std::string>>(&formats),
                                             "also html: NAME.sweep.html (json and md always)")(
      "defer-gates", po::bool_switch(&o.defer_gates),
      "a shard: exit 0 when only gates failed (`report merge` gates on the whole sweep)")(
      "set", po::value<std::vector<std::string>>(&o.overrides),
      "override any field: key.path=value")(
      "out", po::value<std::string>(&o.out_dir)->default_value("out"), "report directory")(
      "junit", po::value<std::string>(&o.junit_file), "JUnit XML: a testcase per gate per seed")(
      "allow-empty", po::bool_switch(&o.allow_empty),
      "accept seeds that exercised nothing (default: NO EVIDENCE, exit 1)")(
      "quiet,q", po::bool_switch(&o.quiet), "no summary")(
      "scenario", po::value<std::vector<std::string>>(&scenarios), "one scenario file");
  po::variables_map vm;
  if (parse_or_help(args, desc, "scenario", vm)) return 0;
  if (scenarios.size() != 1 || o.seeds.empty()) {
    std::cerr << "checkride sweep: expected one SCENARIO and --seeds A..B\n";
    return 2;
  }
  o.scenario = scenarios[0];
  if (!html_format(split_commas(formats), o.html, "sweep")) return 2;
  try {
    o.shard = checkride::resolve_shard(shard, env_or_empty("CHECKRIDE_SHARD"),
                                       env_or_empty("JOB_COMPLETION_INDEX"), shards);
  } catch (const checkride::InputError& e) {
    std::cerr << "checkride sweep: " << e.what() << "\n";
    return 2;
  }
  o.progress = !o.quiet && isatty(STDERR_FILENO);
  o.color = !no_color() && isatty(STDERR_FILENO);
  return checkride::run_sweep(o, std::cout, std::cerr);
}

int cmd_shrink(const std::vector<std::string>& args) {
  po::options_description desc(
      "checkride shrink SCENARIO [--seed N] [--defect D]... [--gate METRIC] --out DIR\n"
      "  the smallest scenario that still fails the gate: NAME.min.yaml and its trace");
  checkride::ShrinkOptions o;
  std::vector<std::string> scenarios;
  desc.add_options()("help,h", "show this help")("seed", po::value<int64_t>(&o.seed),
                                                 "the seed of the failing run")(
      "defect", po::value<std::vector<std::string>>(&o.defects),
      "enable a defect switch (repeatable)")(
      "gate", po::value<std::string>(&o.gate),
      "the metric of the failing gate to keep failing (default: the first, safety first)")(
      "set", po::value<std::vector<std::string>>(&o.overrides),
      "override any field: key.path=value")(
      "out", po::value<std::string>(&o.out_dir)->default_value("out"), "where files go")(
      "max-runs", po::value<int>(&o.max_runs)->default_value(o.max_runs),
      "candidate runs the search may spend")("quiet,q", po::bool_switch(&o.quiet), "no summary")(
      "scenario", po::value<std::vector<std::string>>(&scenarios), "one scenario file");
  po::variables_map vm;
  if (parse_or_help(args, desc, "scenario", vm)) return 0;
  if (scenarios.size() != 1) {
    std::cerr << "checkride shrink: expected one SCENARIO\n";
    return 2;
  }
  if (vm.count("seed") && o.seed < 0) {
    std::cerr << "checkride shrink: --seed " << o.seed << ": expected an integer >= 0\n";
    return 2;
  }
  if (o.max_runs < 1) {
    std::cerr << "checkride shrink: --max-runs: expected at least 1\n";
    return 2;
  }
  o.scenario = scenarios[0];
  return checkride::run_shrink(o, std::cout, std::cerr);
}

int cmd_report(const std::vector<std::string>& args) {
  std::string sub = args.empty() ? "" : args[0];
  std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "merge") {
    po::options_description desc(
        "checkride report merge DIR... --out DIR\n"
        "  adds up the shard reports of one sweep (*.sweep.json), exactly, or the shards of one\n"
        "  drive (NAME.shard-I-of-N.json), judged by the fakes they drove");
    std::vector<std::string> inputs, formats;
    std::string out_dir;
    checkride::ControlLink control;
    bool quiet = false;
    desc.add_options()("help,h", "show this help")(
        "out", po::value<std::string>(&out_dir),
        "where the merged NAME.sweep.{json,md} (a drive: NAME.{json,md,run.json}) go")(
        "format", po::value<std::vector<std::string>>(&formats),
        "a sweep: also html, NAME.sweep.html (json and md always)")(
        "control", po::value(&control.url),
        "a drive: the fakes' control API (default: the one the shards drove)")(
        "control-token", po::value(&control.token), "a drive: its Bearer token, if it needs one")(
        "quiet,q", po::bool_switch(&quiet), "a drive: no summary")(
        "input", po::value<std::vector<std::string>>(&inputs),
        "directories holding shard reports, or the files");
    po::variables_map vm;
    if (parse_or_help(rest, desc, "input", vm)) return 0;
    if (inputs.empty() || out_dir.empty()) {
      std::cerr << "checkride report merge: expected DIR... and --out DIR\n";
      return 2;
    }
    bool html = false;
    if (!html_format(split_commas(formats), html, "report merge")) return 2;
    if (checkride::names_drive_shards(inputs)) {
      if (html) {
        std::cerr << "checkride report merge: --format html: a drive's report is JSON and "
                     "Markdown only\n";
        return 2;
      }
      return checkride::run_drive_merge(inputs, out_dir, control, quiet, std::cout, std::cerr);
    }
    return checkride::run_report_merge(inputs, out_dir, html, std::cout, std::cerr);
  }
  if (sub == "render") {
    po::options_description desc(
        "checkride report render REPORT.json --format html [--out FILE]\n"
        "  a run, replay or sweep report as one self-contained HTML page");
    std::vector<std::string> inputs;
    std::string format, out_file;
    desc.add_options()("help,h", "show this help")(
        "format", po::value<std::string>(&format)->default_value("html"), "html")(
        "out", po::value<std::string>(&out_file), "the page (default: REPORT.html)")(
        "input", po::value<std::vector<std::string>>(&inputs), "the report JSON");
    po::variables_map vm;
    if (parse_or_help(rest, desc, "input", vm)) return 0;
    if (inputs.size() != 1) {
      std::cerr << "checkride report render: expected one REPORT.json\n";
      return 2;
    }
    return checkride::run_report_render(inputs[0], format, out_file, std::cout, std::cerr);
  }
  return list_subcommands(args, kReportUsage);
}

// What recording commands share: which tools are actions, what else to redact, and what
// marks a tool's text answer as a failure.
struct RecordingOptions {
  std::string catalog;
  std::vector<std::string> error_patterns;
};

void add_recording_options(po::options_description& desc, RecordingOptions& recording,
                           std::vector<std::string>& redact_paths) {
  desc.add_options()("actions", po::value<std::string>(&recording.catalog),
                     "action catalog YAML: which tools are actions (default: the built-in one)")(
      "redact-path", po::value<std::vector<std::string>>(&redact_paths),
      "also blank this JSON pointer in every event (repeatable), e.g. /params/passport")(
      "error-pattern", po::value<std::vector<std::string>>(&recording.error_patterns),
      "regular expression (case-insensitive) marking a tool's text answer as failed; adds to "
      "^error\\b and the catalog's error_patterns (repeatable)");
}

// The catalog's tool names (what a recording treats as an action, not a note) and the error
// patterns; false with the message on stderr when the catalog or a pattern is bad.
// `cassette` is where the recording goes: the header names the catalog relative to it.
bool load_recording_options(const RecordingOptions& recording, const std::string& cassette,
                            std::set<std::string>& actions, checkride::ErrorPatterns& patterns,
                            checkride::CatalogRef& ref) {
  try {
    checkride::ActionCatalog owned;
    const checkride::ActionCatalog* catalog = &checkride::ActionCatalog::default_catalog();
    std::string text = checkride::ActionCatalog::default_yaml();
    if (!recording.catalog.empty()) {
      text = checkride::read_input_file(recording.catalog, "action catalog");
      owned = checkride::ActionCatalog::from_yaml_text(text, recording.catalog);
      catalog = &owned;
    }
    ref = checkride::make_catalog_ref(recording.catalog, text, cassette);
    for (const auto& entry : catalog->actions()) actions.insert(entry.first);
    std::vector<std::string> all = catalog->error_patterns();
    all.insert(all.end(), recording.error_patterns.begin(), recording.error_patterns.end());
    for (const auto& p : all) {
      std::string error;
      if (!patterns.add(p, error)) {
        throw checkride::InputError("--error-pattern", 0, "", error);
      }
    }
    return true;
  } catch (const checkride::InputError& e) {
    std::cerr << "checkride: " << e.what() << "\n";
    return false;
  }
}

int cmd_record_import(const std::vector<std::string>& args) {
  po::options_description desc(
      "checkride record import FILE... --out CASSETTE [--from FORMAT] [options]");
  checkride::ImportOptions o;
  RecordingOptions recording;
  desc.add_options()("help,h", "show this help")(
      "from", po::value<std::string>(&o.from)->default_value("auto"),
      "auto (each file's shape, said on the output), openai, openai-responses, anthropic, "
      "gemini, dashscope, mcp, otel-genai, langsmith, langfuse (docs/recording.md, Formats), "
      "or audit: the "
      "orchestrator's "
      "audit log")("out", po::value<std::string>(&o.out), "the cassette to write")(
      "messages-field", po::value<std::string>(&o.messages_field),
      "the field of an object that holds its messages (default: the format's own)")(
      "allow-empty", po::bool_switch(&o.allow_empty),
      "import a file in which no tool call is found (else exit 2, saying what it holds)")(
      "session-id-field", po::value<std::string>(),
      "comma-separated fields whose values name each session (e.g. task_id,trial)")(
      "user-id-field", po::value<std::string>(&o.user_id_field),
      "the field whose value names each session's user (whose existing bookings a world "
      "file seeds)")("file", po::value<std::vector<std::string>>(&o.files), "files to import");
  add_recording_options(desc, recording, o.redaction.json_paths);
  po::variables_map vm;
  if (parse_or_help(args, desc, "file", vm)) return 0;
  if (o.files.empty() || o.out.empty()) {
    std::cerr << "checkride record import: expected FILE... and --out CASSETTE\n";
    return 2;
  }
  if (vm.count("session-id-field")) {
    std::stringstream fields(vm["session-id-field"].as<std::string>());
    for (std::string f; std::getline(fields, f, ',');) {
      if (!f.empty()) o.session_id_fields.push_back(f);
    }
    if (o.session_id_fields.empty()) {
      std::cerr << "checkride record import: --session-id-field: expected field names\n";
      return 2;
    }
  }
  if (!load_recording_options(recording, o.out, o.actions, o.error_patterns, o.catalog)) return 2;
  o.consent_ceiling = checkride::consent_ceiling(recording.catalog);  // checked just above
  o.amount_scale = checkride::catalog_amount_scale(recording.catalog);
  return checkride::run_import(o, std::cout, std::cerr);
}

// Every HTTP host's bound on one client's open connections (GuardedServer).
void add_connection_limit(po::options_description& desc, std::size_t& limit) {
  desc.add_options()("max-connections-per-client", po::value(&limit)->default_value(limit),
                     "connections one client address may hold open; more are answered 503 "
                     "(0: no limit)");
}

int cmd_record_llm(const std::vector<std::string>& args) {
  po::options_description desc(
      "checkride record llm --upstream URL --out CASSETTE [--listen ADDR] [options]");
  checkride::ProxyOptions o;
  RecordingOptions recording;
  desc.add_options()("help,h", "show this help")(
      "upstream", po::value<std::string>(&o.upstream),
      "the API's base URL: https://api.openai.com/v1, https://api.anthropic.com, or any "
      "OpenAI-compatible one (http://127.0.0.1:8000/v1). Records Chat Completions, the "
      "Responses API and Anthropic Messages, streamed or not; relays the rest")(
      "out", po::value<std::string>(&o.out), "the cassette to write")(
      "listen", po::value<std::string>(&o.listen)->default_value("127.0.0.1:8089"),
      "HOST:PORT to listen on (port 0: any free port)")(
      "model-label", po::value<std::string>(&o.model_label),
      "the header's model (default: the models requests named)")(
      "upstream-timeout", po::value<int>(&o.upstream_timeout_seconds)->default_value(120),
      "seconds to wait for the upstream's answer");
  add_connection_limit(desc, o.max_connections_per_client);
  add_recording_options(desc, recording, o.redaction.json_paths);
  po::variables_map vm;
  if (parse_or_help(args, desc, "upstream", vm)) return 0;
  if (o.upstream.empty() || o.out.empty()) {
    std::cerr << "checkride record llm: expected --upstream URL and --out CASSETTE\n";
    return 2;
  }
  if (!load_recording_options(recording, o.out, o.actions, o.error_patterns, o.catalog)) return 2;
  return checkride::run_llm_proxy(o, std::cout, std::cerr);
}

int cmd_record(const std::vector<std::string>& args) {
  std::string sub = args.empty() ? "" : args[0];
  std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (sub == "import") return cmd_record_import(rest);
  if (sub == "llm") return cmd_record_llm(rest);
  return list_subcommands(args, kRecordUsage);
}

// New episodes: asks the live model what it does where the sandbox diverged. False on bad
// input (said on stderr).
bool ask_on_miss(const checkride::ReplayOptions& o, checkride::RecordOnMissOptions& miss,
                 const checkride::ReplayResult& result) {
  try {
    checkride::ActionCatalog owned;
    const checkride::ActionCatalog* catalog = &checkride::ActionCatalog::default_catalog();
    if (!result.actions.empty()) {
      owned = checkride::ActionCatalog::from_file(result.actions);
      catalog = &owned;
    }
    miss.cassette = o.cassette;
    miss.tools = catalog->openai_tools();
    for (const auto& entry : catalog->actions()) miss.actions.insert(entry.first);
    if (const char* key = std::getenv("OPENAI_API_KEY")) miss.api_key = key;
    if (miss.out.empty()) miss.out = o.out_dir + "/" + result.name + ".new.jsonl";
    int asked = checkride::record_on_miss(miss, result.sessions, std::cout);
    std::cout << "record-on-miss: asked the live model for " << asked << " diverged session(s); "
              << miss.out << "\n";
  } catch (const checkride::InputError& e) {
    std::cerr << "checkride: " << e.what() << "\n";
    return false;
  }
  return true;
}

int cmd_replay(const std::vector<std::string>& args) {
  po::options_description desc("checkride replay CASSETTE [options]");
  checkride::ReplayOptions o;
  checkride::RecordOnMissOptions miss;
  bool record_on_miss = false;
  std::vector<std::string> formats;
  std::vector<std::string> cassettes;
  desc.add_options()("help,h", "show this help")(
      "scenario", po::value<std::string>(&o.scenario),
      "take the world, orchestrator, agent, faults and expect: from this scenario "
      "(default: a world inferred from the cassette, safety gates)")(
      "faults", po::value<std::string>(&o.faults), "YAML list of fault rules to add")(
      "actions", po::value<std::string>(&o.actions), "action catalog (without --scenario)")(
      "world", po::value<std::string>(&o.world),
      "world file: SKUs, offers, coupons and bookings that existed before the sessions; "
      "the whole world: what a call names and it lacks is refused")(
      "infer-missing", po::bool_switch(&o.infer_missing),
      "with --world: infer what it lacks from the recording (listed in the report)")(
      "dump-world", po::value<std::string>(&o.dump_world), "write the world used to this file")(
      "out", po::value<std::string>(&o.out_dir)->default_value("out"), "report directory")(
      "record-on-miss", po::bool_switch(&record_on_miss),
      "on divergence, ask the live --model for the next action; write a new cassette")(
      "model", po::value<std::string>(&miss.model_url),
      "OpenAI-compatible endpoint URL (API key from OPENAI_API_KEY)")(
      "model-name", po::value<std::string>(&miss.model)->default_value("gpt-4o"),
      "the model field sent to --model")(
      "new-cassette", po::value<std::string>(&miss.out),
      "where --record-on-miss writes (default OUT/NAME.new.jsonl)")(
      "fail-on-divergence", po::bool_switch(&o.fail_on_divergence),
      "exit 1 when any session diverged")(
      "format", po::value<std::vector<std::string>>(&formats),
      "also html: NAME.html, the report with the verdict per session (json and md always)")(
      "allow-empty", po::bool_switch(&o.allow_empty),
      "accept a replay that exercised nothing (default: NO EVIDENCE, exit 1)")(
      "quiet,q", po::bool_switch(&o.quiet), "no summary")(
      "cassette", po::value<std::vector<std::string>>(&cassettes), "the cassette to replay");
  po::variables_map vm;
  if (parse_or_help(args, desc, "cassette", vm)) return 0;
  if (cassettes.size() != 1) {
    std::cerr << "checkride replay: expected one CASSETTE\n";
    return 2;
  }
  o.cassette = cassettes[0];
  if (!html_format(split_commas(formats), o.html, "replay")) return 2;
  if (record_on_miss != !miss.model_url.empty()) {
    std::cerr << "checkride replay: --record-on-miss and --model URL go together\n";
    return 2;
  }
  checkride::ReplayResult result;
  int rc = checkride::run_replay(o, std::cout, std::cerr, &result);
  if (rc == 2 || miss.model_url.empty()) return rc;
  return ask_on_miss(o, miss, result) ? rc : 2;
}

int cmd_serve_fakes(const std::vector<std::string>& args) {
  checkride::ServeFakesOptions o;
  std::vector<std::string> clients;
  po::options_description desc("checkride serve fakes [options]");
  desc.add_options()("help,h", "this help")(
      "scenario", po::value(&o.scenario), "the world (catalog, offers, coupons, faults, expect:)")(
      "cassette", po::value(&o.cassette),
      "the scripted LLM's cassette (default: the scenario's first)")(
      "bind", po::value(&o.serve.bind)->default_value("127.0.0.1"), "address to listen on")(
      "payments-port", po::value(&o.serve.payments_port)->default_value(12111),
      "Stripe-shaped payments (0: any)")("identity-port",
                                         po::value(&o.serve.identity_port)->default_value(12112),
                                         "OAuth 2.0 identity")(
      "catalog-port", po::value(&o.serve.catalog_port)->default_value(12113), "catalog JSON API")(
      "bookings-port", po::value(&o.serve.bookings_port)->default_value(12114),
      "bookings JSON API")("llm-port", po::value(&o.serve.llm_port)->default_value(12115),
                           "scripted LLM (OpenAI shape)")(
      "control-port", po::value(&o.serve.control_port)->default_value(12110),
      "control API /__checkride/")(
      "control-token", po::value(&o.serve.control_token),
      "Bearer token the control API requires (mandatory when --bind is not loopback)")(
      "oauth-client", po::value(&clients),
      "ID:SECRET:REDIRECT[,REDIRECT...] (ID::REDIRECT for a public client); repeatable")(
      "jwt-access-tokens", po::bool_switch(&o.serve.jwt_access_tokens),
      "issue access tokens as RS256 JWTs (RFC 9068), verifiable with the JWKS")(
      "webhook", po::value(&o.webhooks),
      "URL that gets every Stripe event, signed with $CHECKRIDE_WEBHOOK_SECRET (or a fresh "
      "secret written to --urls-file); repeatable")("urls-file", po::value(&o.urls_file),
                                                    "write the faces' URLs as JSON once listening");
  add_connection_limit(desc, o.serve.max_connections_per_client);
  po::variables_map vm;
  if (parse_or_help(args, desc, "unused", vm)) return 0;
  for (const auto& c : clients) {
    checkride::OAuthClient client;
    std::string error;
    if (!checkride::parse_oauth_client(c, client, error)) {
      std::cerr << "checkride serve fakes: --oauth-client '" << c << "': " << error << "\n";
      return 2;
    }
    o.serve.clients.push_back(std::move(client));
  }
  return checkride::run_serve_fakes(o, std::cout, std::cerr);
}

constexpr size_t kMaxSecretBytes = 64 * 1024;

// The HMAC secret: from a file or the CHECKRIDE_SECRET environment variable, never from
// the command line (where `ps` would show it).
bool read_secret(const std::string& file, std::string& out, const char* command) {
  if (!file.empty()) {
    try {
      std::string text = checkride::read_input_file(file, "--secret-file", kMaxSecretBytes);
      out = text.substr(0, text.find('\n'));
    } catch (const checkride::InputError& e) {
      std::cerr << "checkride " << command << ": " << e.what() << "\n";
      return false;
    }
  } else if (const char* env = std::getenv("CHECKRIDE_SECRET")) {
    out = env;
  }
  return true;
}

int cmd_serve_orchestrator(const std::vector<std::string>& args) {
  checkride::ServeOrchestratorOptions o;
  checkride::ServiceOptions& s = o.service;
  std::string secret_file;
  int timeout_ms = 30000;
  po::options_description desc("checkride serve orchestrator [options]");
  desc.add_options()("help,h", "this help")("bind", po::value(&s.bind)->default_value("127.0.0.1"),
                                            "address to listen on")(
      "port", po::value(&s.port)->default_value(12100), "port (0: any)")(
      "store", po::value(&s.store_path)->default_value("checkride-orchestrator.db"),
      "SQLite file (WAL) for sagas, keys, grants, consents and the audit log")(
      "secret-file", po::value(&secret_file),
      "file holding the HMAC-SHA256 request secret (else $CHECKRIDE_SECRET)")(
      "replay-window", po::value(&s.replay_window_seconds)->default_value(300),
      "seconds a signed request stays valid")(
      "payments-url", po::value(&s.endpoints.payments)->default_value(s.endpoints.payments),
      "Stripe-shaped payments")(
      "identity-url", po::value(&s.endpoints.identity)->default_value(s.endpoints.identity),
      "OAuth 2.0 token endpoint's server")(
      "catalog-url", po::value(&s.endpoints.catalog)->default_value(s.endpoints.catalog),
      "catalog JSON API")("bookings-url",
                          po::value(&s.endpoints.bookings)->default_value(s.endpoints.bookings),
                          "bookings JSON API")(
      "client-id", po::value(&s.endpoints.client_id)->default_value(s.endpoints.client_id),
      "the orchestrator's OAuth client (secret: $CHECKRIDE_CLIENT_SECRET)")(
      "workers", po::value(&s.workers)->default_value(32), "threads performing provider calls")(
      "action-timeout-ms", po::value(&timeout_ms)->default_value(30000),
      "how long POST /v1/actions waits for an outcome before 504 (the saga goes on)")(
      "scenario", po::value<std::string>(),
      "take policy, retries and defects from its orchestrator:")(
      "actions", po::value(&o.actions), "action catalog YAML (default: built in)");
  add_connection_limit(desc, s.max_connections_per_client);
  po::variables_map vm;
  if (parse_or_help(args, desc, "unused", vm)) return 0;
  if (!read_secret(secret_file, s.secret, "serve orchestrator")) return 2;
  if (s.secret.empty()) {
    std::cerr << "checkride serve orchestrator: no request secret: pass --secret-file F or set "
                 "CHECKRIDE_SECRET\n";
    return 2;
  }
  if (const char* cs = std::getenv("CHECKRIDE_CLIENT_SECRET")) s.endpoints.client_secret = cs;
  if (const char* key = std::getenv("CHECKRIDE_STRIPE_KEY")) s.endpoints.stripe_key = key;
  if (const char* w = std::getenv("CHECKRIDE_WEBHOOK_SECRET")) s.webhook_secret = w;
  if (const char* t = std::getenv("CHECKRIDE_READ_TOKEN")) s.read_token = t;
  if (s.workers < 1 || s.workers > 1024 || timeout_ms < 1) {
    std::cerr << "checkride serve orchestrator: --workers 1..1024, --action-timeout-ms > 0\n";
    return 2;
  }
  s.action_timeout = timeout_ms;
  if (vm.count("scenario")) {
    try {
      checkride::Scenario scenario = checkride::load_scenario(vm["scenario"].as<std::string>());
      s.config = scenario.orchestrator;
      if (o.actions.empty() && scenario.actions != "default") o.actions = scenario.actions;
    } catch (const checkride::InputError& e) {
      std::cerr << "checkride: " << e.what() << "\n";
      return 2;
    }
  }
  return checkride::run_serve_orchestrator(o, std::cout, std::cerr);
}

int cmd_drive(const std::vector<std::string>& args) {
  checkride::DriveOptions o;
  std::string secret_file, shard;
  int shards = 0;
  int64_t max_lag = o.max_lag, drain = o.drain_timeout;
  po::options_description desc("checkride drive --orchestrator URL (--scenario S | --cassette C)");
  desc.add_options()("help,h", "this help")("orchestrator", po::value(&o.orchestrator),
                                            "base URL of the orchestrator under test")(
      "scenario", po::value(&o.scenario), "cassette mix, agent policy and sessions")(
      "cassette", po::value(&o.cassette), "drive this cassette's sessions (no scenario)")(
      "control", po::value(&o.control)->default_value(o.control), "the fakes' control API")(
      "control-token", po::value(&o.control_token), "its Bearer token, if it needs one")(
      "secret-file", po::value(&secret_file),
      "HMAC secret for signing requests (else $CHECKRIDE_SECRET; none: unsigned)")(
      "rate", po::value(&o.rate)->default_value(o.rate), "sessions started per second")(
      "ramp-to", po::value(&o.ramp_to), "climb linearly to this rate over --duration")(
      "duration", po::value(&o.duration_s), "seconds of arrivals (else until --sessions)")(
      "sessions", po::value(&o.sessions), "sessions to start")(
      "connections", po::value(&o.connections)->default_value(o.connections),
      "keep-alive connections (concurrent sessions)")(
      "loops", po::value(&o.loops)->default_value(0),
      "event-loop threads the connections are shared among (0: one per core)")(
      "think-scale", po::value(&o.think_scale)->default_value(0),
      "multiply recorded think times (0: none)")(
      "max-lag-ms", po::value(&max_lag)->default_value(max_lag),
      "drop a session that cannot start this late after its slot")(
      "drain-timeout-ms", po::value(&drain)->default_value(drain),
      "wait this long for the orchestrator to settle")(
      "out", po::value(&o.out_dir)->default_value("out"), "report directory")(
      "name", po::value(&o.name), "report file stem (default SCENARIO.drive)")(
      "shard", po::value<std::string>(&shard),
      "I/N: play arrivals I, I+N, ... of the schedule and keep them for `report merge` (else "
      "$CHECKRIDE_SHARD)")("shards", po::value<int>(&shards),
                           "N shards, this one's index from $JOB_COMPLETION_INDEX (a Kubernetes "
                           "Indexed Job)")("quiet", po::bool_switch(&o.quiet), "no summary");
  po::variables_map vm;
  if (parse_or_help(args, desc, "unused", vm)) return 0;
  if (!read_secret(secret_file, o.secret, "drive")) return 2;
  o.max_lag = max_lag;
  o.drain_timeout = drain;
  o.shard = checkride::resolve_shard(shard, env_or_empty("CHECKRIDE_SHARD"),
                                     env_or_empty("JOB_COMPLETION_INDEX"), shards);
  o.progress = !o.quiet && isatty(STDERR_FILENO);
  return checkride::run_drive(o, std::cout, std::cerr);
}

int cmd_serve(const std::vector<std::string>& args) {
  std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
  if (!args.empty() && args[0] == "fakes") return cmd_serve_fakes(rest);
  if (!args.empty() && args[0] == "orchestrator") return cmd_serve_orchestrator(rest);
  return list_subcommands(args, kServeUsage);
}

int cmd_defects(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "checkride defects: lists the orchestrator's defect switches\n";
    return 0;
  }
  for (const auto& d : checkride::all_defects()) {
    std::cout << d.name << "\n    " << d.effect << "\n    caught by: " << d.caught_by << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "--version" || cmd == "version") {
    std::cout << checkride::cli::version_line() << "\n";
    return 0;
  }
  if (asks_help(cmd) && args.empty()) {
    std::cout << kUsage;
    return 0;
  }
  if (asks_help(cmd)) {  // `checkride help COMMAND [SUB]`: that command's --help
    cmd = args[0];
    args.erase(args.begin());
    args.push_back("--help");
  }
  try {
    if (cmd == "run") return cmd_run(args);
    if (cmd == "validate") return cmd_validate(args);
    if (cmd == "defects") return cmd_defects(args);
    if (cmd == "diff") return cmd_diff(args);
    if (cmd == "sweep") return cmd_sweep(args);
    if (cmd == "report") return cmd_report(args);
    if (cmd == "shrink") return cmd_shrink(args);
    if (cmd == "record") return cmd_record(args);
    if (cmd == "replay") return cmd_replay(args);
    if (cmd == "serve") return cmd_serve(args);
    if (cmd == "drive") return cmd_drive(args);
    std::cerr << "checkride: unknown command '" << cmd << "'\n\n" << kUsage;
    return 2;
  } catch (const po::error& e) {
    std::cerr << "checkride " << cmd << ": " << e.what() << "\n";
    return 2;
  } catch (const checkride::InputError& e) {
    std::cerr << "checkride " << cmd << ": " << e.what() << "\n";
    return 2;
  } catch (const checkride::OutputError& e) {
    std::cerr << "checkride " << cmd << ": " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "checkride: internal error: " << e.what() << "\n";
    return 3;
  }
}
