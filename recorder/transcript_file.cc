// TranscriptImport's files: one JSON document or JSONL, its shape recognised or named, its
// conversations read, and the check that it did not import to nothing in silence.
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "recorder/chat_normalizers.h"
#include "recorder/transcript_import.h"

namespace checkride {
namespace {

// The documents of a file: the whole of it, else one per non-blank line (JSONL).
std::vector<std::pair<nlohmann::json, int>> documents(const std::string& path,
                                                      const std::string& text) {
  std::vector<std::pair<nlohmann::json, int>> docs;
  try {
    docs.emplace_back(parse_json(text), 0);
    return docs;
  } catch (const nlohmann::json::parse_error&) {
  }
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    if (raw.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      docs.emplace_back(parse_json(raw), line);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(path, line, "", std::string("not valid JSON: ") + e.what());
    }
    if (!docs.back().first.is_array() && !docs.back().first.is_object()) {
      throw InputError(path, line, "", "expected a conversation (an array or an object) per line");
    }
  }
  if (docs.empty()) throw InputError(path, 0, "", "holds no conversation");
  return docs;
}

// The line of an MCP log's message `index` (its field's leading "[N]"), for messages.
int line_of_message(const std::string& field, const std::vector<int>& lines) {
  std::size_t index = 0;
  if (field.size() > 1 && field[0] == '[') index = std::strtoul(field.c_str() + 1, nullptr, 10);
  return index < lines.size() ? lines[index] : 0;
}

}  // namespace

void TranscriptImport::file(const std::string& path, std::ostream& notes) {
  const std::string text = read_input_file(path, "file");
  const std::string stem = std::filesystem::path(path).stem().string();
  const auto docs = documents(path, text);
  ShapeCensus census;
  for (const auto& [doc, line] : docs) take_census(doc, census);
  if (options_.from == "auto") {
    format_ = detect_format(census);
    notes << path << ": read as " << format_title(format_) << " (--from " << format_name(format_)
          << ")\n";
  } else {
    parse_format(options_.from, format_);
  }
  const std::size_t first = sessions.size();
  if (format_ == TranscriptFormat::kMcp || format_ == TranscriptFormat::kOtelGenAi ||
      format_ == TranscriptFormat::kLangSmith || format_ == TranscriptFormat::kLangfuse) {
    log_conversations(path, stem, docs);
  } else if (docs.size() == 1 && docs[0].second == 0) {
    const nlohmann::json& whole = docs[0].first;
    if (one_conversation(whole) || whole.is_object()) {
      conversation(whole, path, 0, "", stem);
    } else if (whole.is_array()) {
      for (std::size_t i = 0; i < whole.size(); ++i) {
        conversation(whole[i], path, 0, "[" + std::to_string(i) + "].",
                     stem + "-" + std::to_string(i + 1));
      }
    } else {
      throw InputError(path, 1, "",
                       "expected a conversation, an array of conversations, or JSONL of them");
    }
  } else {
    int n = 0;
    for (const auto& [doc, line] : docs) {
      conversation(doc, path, line, "", stem + "-" + std::to_string(++n));
    }
  }
  formats.push_back(format_);
  check_not_empty(path, census, first);
}

// A log's sessions: an MCP file's messages are one session; OTel spans group by conversation
// or trace. Each is read as the chat messages it became, under the log's own ids.
void TranscriptImport::log_conversations(const std::string& path, const std::string& stem,
                                         const std::vector<std::pair<nlohmann::json, int>>& docs) {
  std::vector<nlohmann::json> messages;
  std::vector<int> lines;
  const bool mcp = format_ == TranscriptFormat::kMcp;
  for (const auto& [doc, line] : docs) {
    const bool list = mcp && line == 0 && doc.is_array();
    for (std::size_t i = 0; i < (list ? doc.size() : 1); ++i) {
      messages.push_back(list ? doc[i] : doc);
      lines.push_back(line == 0 && !list ? 1 : line);  // a file of one message: its line 1
    }
  }
  std::vector<OtelSession> sessions;
  try {
    if (mcp) {
      sessions.push_back(OtelSession{stem, "", mcp_to_chat(messages)});
    } else if (format_ == TranscriptFormat::kOtelGenAi) {
      sessions = otel_sessions(messages);
    } else if (format_ == TranscriptFormat::kLangSmith) {
      sessions = langsmith_sessions(messages);
    } else {
      sessions = langfuse_sessions(messages);
    }
  } catch (const ShapeError& e) {
    throw InputError(path, line_of_message(e.field, lines), e.field,
                     e.message + " (reading " + std::string(format_title(format_)) + ")");
  } catch (const nlohmann::json::exception& e) {  // a value of a type no reader expected
    throw InputError(path, 0, "",
                     std::string("unexpected value: ") + e.what() + " (reading " +
                         std::string(format_title(format_)) + ")");
  }
  const TranscriptFormat log = format_;
  format_ = TranscriptFormat::kOpenAi;  // read as the chat messages it became
  for (const OtelSession& s : sessions) conversation(s.chat, path, 0, "", s.id, &s.user);
  format_ = log;
}

// What the file holds that looks like tool calls, when none of it became a tool call: another
// shape's calls name that shape and its flag; assistant turns alone say there is nothing to
// replay.
void TranscriptImport::check_not_empty(const std::string& path, const ShapeCensus& census,
                                       std::size_t first) {
  int64_t said = 0;  // the assistant's turns imported (a loose shape's the census misses)
  for (std::size_t i = first; i < sessions.size(); ++i) {
    for (const auto& [t, ev] : sessions[i].events) {
      if (ev["type"] == "action" || (ev["type"] == "note" && ev.contains("tool"))) return;
      said += ev["type"] == "assistant";
    }
  }
  if (options_.allow_empty) return;
  int64_t most = 0;
  TranscriptFormat shape = format_;
  for (std::size_t f = 0; f < kTranscriptFormatCount; ++f) {
    if (static_cast<TranscriptFormat>(f) != format_ && census.calls[f] > most) {
      most = census.calls[f];
      shape = static_cast<TranscriptFormat>(f);
    }
  }
  const std::string read_as =
      " (read as " + std::string(format_title(format_)) + "; --allow-empty imports it anyway)";
  if (most > 0) {
    throw InputError(path, 0, "",
                     "no tool call imported, but it holds " + std::to_string(most) + " " +
                         std::string(format_call_word(shape)) + " in " +
                         std::string(format_title(shape)) + " shape; use --from " +
                         std::string(format_name(shape)) + read_as);
  }
  if (std::max(census.assistant_turns, said) > 0) {
    throw InputError(path, 0, "",
                     std::to_string(std::max(census.assistant_turns, said)) +
                         " assistant turns and no tool call: nothing to replay" + read_as);
  }
}

}  // namespace checkride
