#include "recorder/cassette_writer.h"

namespace checkride {

CassetteWriter::CassetteWriter(const std::string& path, nlohmann::ordered_json header,
                               Redactor& redactor)
    : path_(path), redactor_(redactor), out_(path, "--out") {
  nlohmann::ordered_json h;
  h["format"] = "checkride.cassette/v1";
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() != "format") h[it.key()] = it.value();
  }
  h["redactions"] = redactor_.rule_names();
  redactor_.redact(h);
  write_line(h.dump() + "\n");
}

void CassetteWriter::write_line(const std::string& line) {
  if (!failure_.empty()) throw OutputError(path_, failure_);
  try {
    out_.write(line);
  } catch (const OutputError& e) {
    failure_ = e.why();
    throw;
  }
}

void CassetteWriter::commit() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.empty()) throw OutputError(path_, failure_);
  out_.commit();
}

void CassetteWriter::keep_partial() {
  std::lock_guard<std::mutex> lock(mu_);
  out_.keep_partial();
}

std::string CassetteWriter::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
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
  write_line(line.dump() + "\n");
  ++written_;
}

int64_t CassetteWriter::events_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

}  // namespace checkride
