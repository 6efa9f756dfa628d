#pragma once
#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace checkride {

// A write that failed after its target was accepted (a full disk, an I/O error). The CLI
// turns it into exit code 3 naming the path; nothing half-written is left under that name.
class OutputError : public std::runtime_error {
 public:
  OutputError(const std::string& path, const std::string& why)
      : std::runtime_error("cannot write " + path + ": " + why), path_(path), why_(why) {}
  const std::string& path() const { return path_; }
  const std::string& why() const { return why_; }

 private:
  std::string path_;
  std::string why_;
};

// A file being written whole. Bytes go to a temporary file beside `path`, every write
// checked; commit() syncs and renames it over `path`, so a reader sees the old file or the
// whole new one, never half. A device or FIFO (/dev/stdout, /dev/full) is written in place.
// An output path that can never work (a directory, a missing folder) is an InputError
// naming `field` (exit 2); a failing write is an OutputError (exit 3).
class OutputFile {
 public:
  OutputFile(std::string path, std::string field, mode_t mode = 0666);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  // Without commit(), the temporary file is removed, unless keep_partial() was called.
  ~OutputFile();

  void write(std::string_view bytes);
  void commit();
  // A recorder that dies should leave what it had: the temporary file stays, named
  // partial_path(), when the writer is destroyed without commit().
  void keep_partial() { keep_partial_ = true; }
  // Closes and removes the temporary file: another OutputFile wrote `path` instead.
  void discard();
  const std::string& path() const { return path_; }
  const std::string& partial_path() const { return temp_; }

 private:
  std::string path_;
  std::string temp_;  // empty when writing a device in place
  int fd_ = -1;
  bool committed_ = false;
  bool keep_partial_ = false;
};

// The whole of `text` written to `path` as above.
void write_output_file(const std::string& path, std::string_view text, const std::string& field,
                       mode_t mode = 0666);

// Throws the InputError OutputFile would, without creating anything: for a CLI to refuse
// a bad output path before a long run rather than after it.
void check_output_path(const std::string& path, const std::string& field);

}  // namespace checkride
