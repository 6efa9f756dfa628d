#pragma once
// What `checkride --help`, `help`, `SUB --help` and `--version` print.
#include <boost/program_options.hpp>
#include <ostream>
#include <string>

namespace checkride::cli {

// A command's options as Boost formats them, without `positional`: an option that only
// carries the command's bare arguments (`--file`, `--scenario`, `--cassette`), which nobody
// types.
void print_options(const boost::program_options::options_description& desc,
                   const std::string& positional, std::ostream& out);

// "checkride VERSION (commit HASH)".
std::string version_line();

}  // namespace checkride::cli
