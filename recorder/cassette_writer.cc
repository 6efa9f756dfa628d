#include "recorder/cassette_writer.h"

#include <stdexcept>

namespace checkride {

CassetteWriter::CassetteWriter(const std::string& path, nlohmann::ordered_json header,
                               Redactor& redactor)
    : path_(path), redactor_(redactor), out_(path, std::ios::binary | std::ios::trunc) {
  if (!out_) throw std::runtime_error("cannot create cassette " + path);
  nlohmann::ordered_json h;
  h["format"] = "checkride.cassette/v1";
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() != "format") h[it.key()] = it.value();
  }
  h["redactions"] = redactor_.rule_names();
  redactor_.redact(h);
  out_ << h.dump() << "\n";
  out_.flush();
}

void CassetteWriter::append(const std::string& session, int64_t t_ms,
                            const nlohmann::ordered_json& event) {
  nlohmann::ordered_json line;
  line["session"] = session;
  line["seq"] = 0;
  line["t_ms"] = 0;
  for (auto it = event.begin(); it != event.end(); ++it) line[it.key()] = it.value();
  redactor_.redact(line);
  std::lock_guard<std::mutex> lock(mu_);
  auto& [seq, last_t] = sessions_[session];
  line["seq"] = ++seq;
  last_t = std::max(last_t, t_ms);  // t_ms never goes back within a session
  line["t_ms"] = last_t;
  out_ << line.dump() << "\n";
  out_.flush();
  ++written_;
}

int64_t CassetteWriter::events_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

}  // namespace checkride
