#include "protocol/input_file.h"

#include <fstream>
#include <sstream>

#include "protocol/input_error.h"

namespace checkride {

std::string read_input_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", "cannot open " + what);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace checkride
