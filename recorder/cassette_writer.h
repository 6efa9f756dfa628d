#pragma once
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "recorder/redactor.h"

namespace checkride {

// Writes a checkride.cassette/v1 file: the header line, then one event per line. Every
// event passes through the redactor before it is written, so nothing unredacted reaches
// disk. Numbers each session's events (`seq`) and flushes every line, so a recorder that
// dies loses at most the line it was writing. Thread-safe.
class CassetteWriter {
 public:
  // `header` gets "format" and "redactions" filled in. Throws std::runtime_error when the
  // file cannot be created.
  CassetteWriter(const std::string& path, nlohmann::ordered_json header, Redactor& redactor);

  // `event` holds the type-specific fields ("type", "text", "call_id", …); the writer puts
  // "session", "seq" and "t_ms" in front.
  void append(const std::string& session, int64_t t_ms, const nlohmann::ordered_json& event);
  int64_t events_written() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  Redactor& redactor_;
  mutable std::mutex mu_;
  std::ofstream out_;
  std::map<std::string, std::pair<int64_t, int64_t>> sessions_;  // id -> (last seq, last t)
  int64_t written_ = 0;
};

}  // namespace checkride
