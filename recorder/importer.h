#pragma once
#include <iosfwd>
#include <set>
#include <string>
#include <vector>

#include "protocol/catalog_ref.h"
#include "recorder/redactor.h"
#include "recorder/result_status.h"
#include "recorder/transcript.h"

namespace checkride {

struct ImportOptions {
  std::vector<std::string> files;
  // "auto" (each file's shape), a TranscriptFormat's name ("anthropic"), or "audit".
  std::string from = "auto";
  // Where an object holds its messages; "": the format's own (`messages` for OpenAI).
  std::string messages_field;
  bool allow_empty = false;  // a file that imports no tool call is not an error
  // Fields of a conversation object whose values, joined with ':', name its session
  // (`--session-id-field task_id,trial`). Empty: its id, session_id or conversation_id.
  std::vector<std::string> session_id_fields;
  // The field of a conversation object whose value names the session's user (the owner of
  // a world file's existing bookings); written as the session's `user_id`.
  std::string user_id_field;
  std::set<std::string> actions;  // tool names that are actions (openai)
  // The catalog's consent policy, when it is "the user's turn before the call" (openai).
  TranscriptConverter::ChargeCeiling consent_ceiling;
  ErrorPatterns error_patterns;  // what marks a text answer as a failure
  int64_t amount_scale = 1;      // the catalog's: a tool result's dollar total is a quote
  CatalogRef catalog;            // the action catalog, named in the header
  std::string out;               // the cassette to write
  RedactionConfig redaction;
};

// `checkride record import`: reads every file first and writes the cassette only when all of
// them were understood, so bad input leaves nothing half-written. Returns the CLI exit code:
// 0 written, 2 bad input (the message names the file, the line or the field).
int run_import(const ImportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace checkride
