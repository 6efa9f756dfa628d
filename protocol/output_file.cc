#include "protocol/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "protocol/input_error.h"

namespace checkride {
namespace {

std::string folder_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// True when `path` names a device, FIFO or socket that we write in place.
bool is_special(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

// A name beside `path` no other writer in this process or another will pick.
std::string temp_beside(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

}  // namespace

void check_output_path(const std::string& path, const std::string& field) {
  if (path.empty()) throw InputError(field, 0, "", "expected a file path, got nothing");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      throw InputError(path, 0, field, "is a directory; expected a file path");
    }
    return;
  }
  if (errno == ELOOP) throw InputError(path, 0, field, std::strerror(errno));
  std::string folder = folder_of(path);
  if (::stat(folder.c_str(), &st) != 0) {
    throw InputError(path, 0, field, "cannot write into '" + folder + "': " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    throw InputError(path, 0, field, "'" + folder + "' is not a directory");
  }
}

OutputFile::OutputFile(std::string path, std::string field, mode_t mode) : path_(std::move(path)) {
  check_output_path(path_, field);
  if (is_special(path_)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  } else {
    temp_ = temp_beside(path_);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  }
  if (fd_ < 0) {
    int err = errno;
    if (err == EACCES || err == EROFS || err == EPERM) {
      throw InputError(path_, 0, field, std::string("cannot create: ") + std::strerror(err));
    }
    throw OutputError(path_, std::strerror(err));
  }
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty() && !keep_partial_) ::unlink(temp_.c_str());
}

void OutputFile::write(std::string_view bytes) {
  if (fd_ < 0) throw OutputError(path_, "already closed");
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw OutputError(path_, n < 0 ? std::strerror(errno) : "short write");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void OutputFile::commit() {
  if (fd_ < 0) throw OutputError(path_, "already closed");
  // fsync before the rename: otherwise a crash can leave the new name on empty data.
  if (!temp_.empty() && ::fsync(fd_) != 0) throw OutputError(path_, std::strerror(errno));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw OutputError(path_, std::strerror(errno));
  if (!temp_.empty() && std::rename(temp_.c_str(), path_.c_str()) != 0) {
    throw OutputError(path_, std::strerror(errno));
  }
  committed_ = true;
}

void OutputFile::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  keep_partial_ = false;
  committed_ = true;  // nothing is left for the destructor to remove
}

void write_output_file(const std::string& path, std::string_view text, const std::string& field,
                       mode_t mode) {
  OutputFile out(path, field, mode);
  out.write(text);
  out.commit();
}

}  // namespace checkride
