#include "reports/html_render.h"

#include <filesystem>
#include <fstream>
#include <ostream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "protocol/output_file.h"

namespace checkride {
namespace {

namespace fs = std::filesystem;

std::string format_of(const nlohmann::json& j) {
  return j.is_object() && j.contains("format") && j["format"].is_string()
             ? j["format"].get<std::string>()
             : "";
}

nlohmann::json read_json(const std::string& path) {
  nlohmann::json j = parse_json_or_discarded(read_input_file(path, "report"));
  if (j.is_discarded()) {
    throw InputError(path, 0, "", "not JSON (or nested too deep); expected a checkride report");
  }
  return j;
}

// "reports/x.replay.json" -> "reports/x.json" and back: a replay writes both.
std::string sibling(const std::string& path, bool to_replay) {
  fs::path p(path);
  std::string stem = p.stem().string();  // "x" or "x.replay"
  if (to_replay) return (p.parent_path() / (stem + ".replay.json")).string();
  const std::string suffix = ".replay";
  if (stem.size() <= suffix.size()) return "";
  return (p.parent_path() / (stem.substr(0, stem.size() - suffix.size()) + ".json")).string();
}

}  // namespace

std::string render_html(const nlohmann::json& doc, const nlohmann::json* replay,
                        const std::string& origin) {
  const std::string format = format_of(doc);
  if (format == "checkride.report/v1") return html::report_page(doc, replay);
  if (format == "checkride.sweep/v1") return html::sweep_page(doc);
  throw InputError(origin, 0, "format",
                   "expected \"checkride.report/v1\" or \"checkride.sweep/v1\" (a run, replay "
                   "or sweep report), got " +
                       (format.empty() ? std::string("none") : "\"" + format + "\""));
}

int run_report_render(const std::string& path, const std::string& format,
                      const std::string& out_file, std::ostream& out, std::ostream& err) {
  try {
    if (format != "html") {
      throw InputError("--format", 0, format,
                       "expected html (JSON and Markdown are written by "
                       "the run itself)");
    }
    std::string main_path = path;
    nlohmann::json doc = read_json(path);
    nlohmann::json replay;
    bool has_replay = false;
    if (format_of(doc) == "checkride.replay/v1") {  // render the run report it goes with
      replay = doc;
      main_path = sibling(path, false);
      if (main_path.empty() || !input_path_exists(main_path)) {
        throw InputError(
            path, 0, "",
            "a replay's divergence report; its run report (" + main_path + ") is not beside it");
      }
      doc = read_json(main_path);
      has_replay = true;
    } else if (format_of(doc) == "checkride.report/v1") {
      std::string replay_path = sibling(path, true);
      if (input_path_exists(replay_path)) {
        replay = read_json(replay_path);
        has_replay = format_of(replay) == "checkride.replay/v1";
      }
    }
    std::string page = render_html(doc, has_replay ? &replay : nullptr, main_path);
    std::string target = out_file;
    if (target.empty()) target = (fs::path(main_path).replace_extension(".html")).string();
    write_output_file(target, page, "--out");
    out << "wrote " << target << "\n";
    return 0;
  } catch (const InputError& e) {
    err << "checkride report render: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace checkride
