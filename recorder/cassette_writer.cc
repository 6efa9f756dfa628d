#include "recorder/cassette_writer.h"

#include <fstream>
#include <vector>

namespace checkride {

CassetteWriter::CassetteWriter(const std::string& path, nlohmann::ordered_json header,
                               Redactor& redactor)
    : path_(path), header_(std::move(header)), redactor_(redactor), out_(path, "--out") {
  write_line(header_line());
}

std::string CassetteWriter::header_line() const {
  nlohmann::ordered_json h;
  h["format"] = "checkride.cassette/v1";
  for (auto it = header_.begin(); it != header_.end(); ++it) {
    if (it.key() != "format") h[it.key()] = it.value();
  }
  h["redactions"] = redactor_.rule_names();
  redactor_.redact(h);
  return h.dump() + "\n";
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

void CassetteWriter::commit(const nlohmann::ordered_json& header_updates) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.empty()) throw OutputError(path_, failure_);
  if (header_updates.empty() || out_.partial_path().empty()) return out_.commit();
  for (auto it = header_updates.begin(); it != header_updates.end(); ++it) {
    header_[it.key()] = it.value();
  }
  // The events stay where they are; a new file gets the new header and then a copy of them.
  OutputFile rewritten(path_, "--out");
  rewritten.write(header_line());
  std::ifstream in(out_.partial_path(), std::ios::binary);
  std::string first;
  std::getline(in, first);  // the old header
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    rewritten.write(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw OutputError(path_, "cannot read back " + out_.partial_path());
  rewritten.commit();
  out_.discard();
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
