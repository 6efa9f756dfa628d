#pragma once
#include <string>

namespace checkride {

// The whole of a user's input file; throws InputError "cannot open <what>" naming `path`.
std::string read_input_file(const std::string& path, const std::string& what);

}  // namespace checkride
