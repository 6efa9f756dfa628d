#include "cli/help.h"

#include <sstream>

#include "cli/version.h"

namespace checkride::cli {

void print_options(const boost::program_options::options_description& desc,
                   const std::string& positional, std::ostream& out) {
  std::ostringstream text;
  text << desc;
  // Boost writes each option as "  --name arg  description", wrapped onto lines indented
  // past the option column; an option's block ends at the next option or a blank line.
  const std::string hidden = "  --" + positional + " ";
  std::istringstream lines(text.str());
  bool skipping = false;
  for (std::string line; std::getline(lines, line);) {
    const bool option_line = line.rfind("  -", 0) == 0;
    if (option_line) skipping = line.rfind(hidden, 0) == 0;
    if (line.empty()) skipping = false;
    if (!skipping) out << line << "\n";
  }
}

std::string version_line() {
  return std::string("checkride ") + kVersion + " (commit " + kCommit + ")";
}

}  // namespace checkride::cli
