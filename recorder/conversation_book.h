#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "recorder/cassette_writer.h"
#include "recorder/transcript.h"

namespace checkride {

// Tells the proxy's conversations apart and records each one as a cassette session.
//
// The rule (docs/recording.md): a request carrying `X-Checkride-Session: ID` belongs to
// session ID. Otherwise a request continues the conversation whose messages so far (what
// earlier requests sent, plus the replies the proxy relayed) are a prefix of the request's
// messages, the longest such; a request that extends none starts a new session "conv-N".
// A conversation waiting for its upstream reply is not matched, so two clients sending the
// same opening message become two sessions.
class ConversationBook {
 public:
  ConversationBook(CassetteWriter& writer, std::set<std::string> actions, ErrorPatterns errors = {})
      : writer_(writer), actions_(std::move(actions)), errors_(std::move(errors)) {}

  // Records the chat messages of a request not seen before; returns the session id to pass to
  // finish(). `explicit_id` is the X-Checkride-Session header, or "".
  std::string begin(const nlohmann::json& messages, const std::string& explicit_id);
  // Records the turn the upstream answered with: its chat messages (none when there was no
  // answer), and `note` when not "" (why there is no turn, or what was odd about it).
  void finish(const std::string& session, const nlohmann::json& turn, const std::string& note);

 private:
  struct Conversation {
    std::vector<std::string> digests;
    std::unique_ptr<TranscriptConverter> converter;
    std::chrono::steady_clock::time_point start;
    bool waiting = false;
  };
  void record(const std::string& session, Conversation& c, const nlohmann::json& message);
  int64_t elapsed_ms(const Conversation& c) const;

  CassetteWriter& writer_;
  std::set<std::string> actions_;
  ErrorPatterns errors_;
  std::mutex mu_;
  std::map<std::string, Conversation> conversations_;
  int next_ = 1;
};

// What identifies a message for prefix matching: role, text, tool calls and the call a
// tool message answers. Ignores fields SDKs add or drop on the way back (refusal, null
// content vs "").
std::string message_digest(const nlohmann::json& message);

}  // namespace checkride
