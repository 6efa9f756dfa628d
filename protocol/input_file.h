#pragma once
#include <yaml-cpp/yaml.h>

#include <string>

namespace checkride {

// The whole of a user's input file; throws InputError "cannot open <what>" naming `path`
// when it is missing, unreadable, or not a regular file (a directory, a device).
std::string read_input_file(const std::string& path, const std::string& what);

// Whether a user's path names something, and a directory. They never throw: a name the
// filesystem refuses (longer than NAME_MAX, say) is simply not there.
bool input_path_exists(const std::string& path);
bool input_path_is_directory(const std::string& path);

// A user's YAML file, read as above; malformed YAML is an InputError naming the line.
YAML::Node load_yaml_input(const std::string& path, const std::string& what);

}  // namespace checkride
