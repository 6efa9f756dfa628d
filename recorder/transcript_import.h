#pragma once
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "recorder/importer.h"
#include "recorder/transcript.h"
#include "recorder/transcript_format.h"

namespace checkride {

struct ImportedSession {
  std::string id;
  std::vector<std::pair<int64_t, CassetteEvent>> events;  // (t_ms, event)
  std::string user;                                       // "" when nothing names one
};

// Reads transcript files in any of the TranscriptFormat shapes (the one --from names, or the
// one each file's shape says with --from auto) into sessions, through each format's
// normalizer and one TranscriptConverter per conversation. A file is never read as empty in
// silence: tool-call-shaped content it did not map, or assistant turns without any tool call,
// are an InputError naming the file, what it holds and the flag that reads it (unless
// allow_empty).
class TranscriptImport {
 public:
  explicit TranscriptImport(const ImportOptions& o) : options_(o) {}
  // Reads one file; `notes` gets a line when the format was recognised rather than named.
  void file(const std::string& path, std::ostream& notes);
  std::vector<ImportedSession> sessions;
  std::vector<TranscriptFormat> formats;  // each file's, in order

 private:
  // `own_user`: a conversation assembled from a log (MCP, OTel spans) names its user itself
  // (or none), and its id is `fallback_id`.
  void conversation(const nlohmann::json& conv, const std::string& file, int line,
                    const std::string& where, const std::string& fallback_id,
                    const std::string* own_user = nullptr);
  void log_conversations(const std::string& path, const std::string& stem,
                         const std::vector<std::pair<nlohmann::json, int>>& docs);
  nlohmann::json chat_messages(const nlohmann::json& conv, const std::string& file, int line,
                               const std::string& where);
  bool one_conversation(const nlohmann::json& array) const;
  void check_not_empty(const std::string& path, const ShapeCensus& census, std::size_t first);
  std::string id_from_fields(const nlohmann::json& conv, const std::string& file, int line,
                             const std::string& where) const;
  std::string user_of(const nlohmann::json& conv, const std::string& file, int line,
                      const std::string& where) const;
  std::string unique(const std::string& id);

  const ImportOptions& options_;
  TranscriptFormat format_ = TranscriptFormat::kOpenAi;
  std::map<std::string, int> seen_;
};

}  // namespace checkride
