#include "protocol/input_file.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "protocol/input_error.h"

namespace checkride {
namespace {

// How long a FIFO may stay silent before we give up on it.
constexpr int kPipeSilenceMs = 5000;

// Closes a descriptor however the read ends.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "it is a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "it is a device, not a regular file";
  if (S_ISSOCK(mode)) return "it is a socket, not a regular file";
  return "not a regular file";
}

// Waits for `fd` to be readable; false when the FIFO stayed silent too long.
bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, kPipeSilenceMs);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

std::string read_bounded(int fd, bool is_pipe, size_t max_bytes, const std::string& path,
                         const std::string& what) {
  std::string out;
  char buf[65536];
  for (;;) {
    if (is_pipe && !wait_readable(fd)) {
      throw InputError(path, 0, "",
                       "cannot read " + what + ": the FIFO sent nothing for " +
                           std::to_string(kPipeSilenceMs / 1000) + " s");
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) throw InputError(path, 0, "", "cannot read " + what + ": " + std::strerror(errno));
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      throw InputError(path, 0, "",
                       "cannot read " + what + ": larger than the limit of " +
                           std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

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

std::vector<std::string> matching_files_in(const std::string& dir,
                                           const std::function<bool(const std::string&)>& matches) {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec) && matches(it->path().filename().string())) {
      found.push_back(it->path().string());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<std::string> named_or_contained_files(
    const std::vector<std::string>& inputs, const std::function<bool(const std::string&)>& matches,
    const std::string& what, const std::string& wanted) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    if (input_path_is_directory(input)) {
      std::vector<std::string> found = matching_files_in(input, matches);
      if (found.empty()) throw InputError(input, 0, "", "directory holds no " + wanted);
      files.insert(files.end(), found.begin(), found.end());
    } else if (input_path_exists(input)) {
      files.push_back(input);
    } else {
      throw InputError(input, 0, "", "no " + what + " or directory: " + why_path_missing(input));
    }
  }
  return files;
}

std::string why_path_missing(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return "it exists";
  return std::strerror(errno);
}

std::string read_input_file(const std::string& path, const std::string& what, size_t max_bytes) {
  // O_NONBLOCK so that opening a FIFO with no writer returns at once; the kind is checked
  // on the open descriptor, so the path cannot change between the check and the read.
  FdCloser file{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (file.fd < 0) {
    throw InputError(path, 0, "", "cannot open " + what + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) {
    throw InputError(path, 0, "", "cannot open " + what + ": " + std::strerror(errno));
  }
  bool is_pipe = S_ISFIFO(st.st_mode);
  if (!S_ISREG(st.st_mode) && !is_pipe) {
    throw InputError(path, 0, "", "cannot open " + what + ": " + kind_of(st.st_mode));
  }
  if (!is_pipe && static_cast<uint64_t>(st.st_size) > max_bytes) {
    throw InputError(path, 0, "",
                     "cannot read " + what + ": " + std::to_string(st.st_size) +
                         " bytes, larger than the limit of " + std::to_string(max_bytes));
  }
  return read_bounded(file.fd, is_pipe, max_bytes, path, what);
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
