#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/output_file.h"
#include "recorder/redactor.h"

namespace checkride {

// Writes a checkride.cassette/v1 file: the header line, then one event per line. Every
// event passes through the redactor before it is written, so nothing unredacted reaches
// disk. Numbers each session's events (`seq`). Lines go to a temporary file beside `path`,
// each written whole as it comes; commit() renames it to `path`, so a reader never sees
// half a cassette. Thread-safe.
class CassetteWriter {
 public:
  // `header` gets "format" and "redactions" filled in. Throws InputError for a path that
  // can never be written (a directory) and OutputError when the file cannot be created.
  CassetteWriter(const std::string& path, nlohmann::ordered_json header, Redactor& redactor);

  // `event` holds the type-specific fields ("type", "text", "call_id", …); the writer puts
  // "session", "seq" and "t_ms" in front. Throws OutputError when the line cannot be
  // written (a full disk); from then on failure() says why and every append throws.
  void append(const std::string& session, int64_t t_ms, const nlohmann::ordered_json& event);
  // Puts the finished cassette under its name; throws OutputError. `header_updates` are
  // fields learnt while recording (the models requests named): the header line is written
  // again with them, redacted like the rest.
  void commit(const nlohmann::ordered_json& header_updates = nlohmann::ordered_json());
  // A recorder that is killed or fails keeps what it wrote, as partial_path().
  void keep_partial();
  const std::string& partial_path() const { return out_.partial_path(); }
  // Why a write failed ("No space left on device"); "" while every write has succeeded.
  std::string failure() const;
  int64_t events_written() const;
  const std::string& path() const { return path_; }

 private:
  void write_line(const std::string& line);  // with mu_ held
  std::string header_line() const;

  std::string path_;
  nlohmann::ordered_json header_;  // as given, before redaction
  Redactor& redactor_;
  mutable std::mutex mu_;
  OutputFile out_;
  std::string failure_;
  std::map<std::string, std::pair<int64_t, int64_t>> sessions_;  // id -> (last seq, last t)
  int64_t written_ = 0;
};

}  // namespace checkride
