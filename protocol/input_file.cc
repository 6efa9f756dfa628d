#include "protocol/input_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "protocol/input_error.h"

namespace checkride {

// Found by fuzz_scenario: fs::exists throws filesystem_error on a file name longer than
// NAME_MAX ("/" and 300 bytes), which ended the process.
bool input_path_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

bool input_path_is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

std::string read_input_file(const std::string& path, const std::string& what) {
  // Found by fuzz_scenario: a directory named as a catalog made the stream throw on read,
  // and a device (/dev/zero) would never end.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path, 0, "", "cannot open " + what + ": it is a directory");
  }
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    throw InputError(path, 0, "", "cannot open " + what + ": not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", "cannot open " + what);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

YAML::Node load_yaml_input(const std::string& path, const std::string& what) {
  std::string text = read_input_file(path, what);
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(path, e.mark.line + 1, "", "malformed YAML: " + e.msg);
  }
}

}  // namespace checkride
