#pragma once
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace checkride {

// The most any input file may hold unless its reader says otherwise: a bound, so that a
// mistaken path (a 40 GB log, a growing FIFO) ends with a clear error instead of memory.
inline constexpr size_t kMaxInputBytes = size_t{1} << 30;

// The whole of a user's input file; throws InputError naming `path` and saying why when it
// is missing, unreadable, a directory, a device or a socket, or larger than `max_bytes`.
// A FIFO or pipe (`<(command)`, /dev/stdin) is read to its end, bounded by `max_bytes`, and
// refused when no data comes for a few seconds, so a FIFO nobody writes never hangs us.
std::string read_input_file(const std::string& path, const std::string& what,
                            size_t max_bytes = kMaxInputBytes);

// Whether a user's path names something, and a directory. They never throw: a name the
// filesystem refuses (longer than NAME_MAX, say) is simply not there.
bool input_path_exists(const std::string& path);
bool input_path_is_directory(const std::string& path);

// Why `path` cannot be found, as the system says it: "No such file or directory", "Too
// many levels of symbolic links" (a symlink loop), "Permission denied".
std::string why_path_missing(const std::string& path);

// The regular files directly in `dir` whose file name `matches`, sorted; none when `dir`
// cannot be read.
std::vector<std::string> matching_files_in(const std::string& dir,
                                           const std::function<bool(const std::string&)>& matches);

// The files a command is given as "FILE or DIR...": each file as named, and each
// directory's files whose name `matches` (sorted). Throws InputError naming the input when
// it does not exist ("no `what` or directory: ...") or is a directory holding none
// ("directory holds no `wanted`").
std::vector<std::string> named_or_contained_files(
    const std::vector<std::string>& inputs, const std::function<bool(const std::string&)>& matches,
    const std::string& what, const std::string& wanted);

// A user's YAML file, read as above; malformed YAML is an InputError naming the line.
YAML::Node load_yaml_input(const std::string& path, const std::string& what);

}  // namespace checkride
