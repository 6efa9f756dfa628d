#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "recorder/result_status.h"

namespace checkride {

// One cassette event without its session, seq and t_ms (the writer adds those).
using CassetteEvent = nlohmann::ordered_json;

// Turns an OpenAI-style conversation, one message at a time, into cassette events:
//  - user text -> "user"; assistant text -> "assistant"; system messages are not recorded;
//  - each tool call -> "action" (params parsed from the arguments; the call as received kept
//    under "raw"; arguments that are not a JSON object are kept as a string with
//    "params_error", never dropped). Tools that are not actions -> "note";
//  - tool messages -> "result" (status from the content's "status" when it is a checkride
//    status, else inferred by infer_status and marked "status_inferred" with "inferred_from");
//  - a user message answering a quoted total -> also "confirm" (see docs/recording.md).
// Understands OpenAI `tool_calls`, the Qwen-Agent / legacy `function_call` shape with
// `function` role answers, and Hermes `<tool_call>` / `<tool_response>` text.
class TranscriptConverter {
 public:
  // A catalog's consent policy "the user's turn before the call": for a charge-bearing tool,
  // the most the call's params agree to pay (minor units), else -1. Empty: no such policy.
  using ChargeCeiling = std::function<int64_t(const std::string& tool, const nlohmann::json&)>;

  // `actions`: tool names that are orchestrator actions; empty means every tool is one.
  // `errors`: what marks a tool's text answer as a failure when it carries no status.
  explicit TranscriptConverter(std::set<std::string> actions, ErrorPatterns errors = {})
      : actions_(std::move(actions)), errors_(std::move(errors)) {}

  // Appends the events `message` yields. Returns false with `error` (naming the field) when
  // the message is not a chat message at all.
  bool add_message(const nlohmann::json& message, std::vector<CassetteEvent>& out,
                   std::string& error);
  // With a ceiling, an affirmative user turn right before a charge-bearing call is that
  // call's consent, for the most its params agree to pay.
  void consent_from_turn_before_call(ChargeCeiling ceiling) { ceiling_ = std::move(ceiling); }
  // Minor units per unit of the tools' money (the catalog's amount_scale): above 1, a tool
  // result's `total` or `amount` in dollars is a quoted total too, as `total_cents` is.
  void set_amount_scale(int64_t scale) { amount_scale_ = scale; }
  // The tool calls still waiting for a result.
  std::size_t unanswered() const { return unanswered_.size(); }

 private:
  void add_call(const std::string& id, const std::string& name, const nlohmann::json& arguments,
                const nlohmann::json& raw, std::vector<CassetteEvent>& out);
  // `recorded_failure`: what in the recording said the call failed ("" none said so).
  void add_result(const std::string& call_id, const std::string& content,
                  std::vector<CassetteEvent>& out, const std::string& recorded_failure = "");
  void add_user_text(const std::string& text, std::vector<CassetteEvent>& out);
  void add_user_message(const std::string& text, std::vector<CassetteEvent>& out);
  void add_assistant_message(const nlohmann::json& message, const std::string& text,
                             std::vector<CassetteEvent>& out);
  void add_tool_message(const nlohmann::json& message, const std::string& role, std::string text,
                        std::vector<CassetteEvent>& out);
  bool is_action(const std::string& name) const;

  std::set<std::string> actions_;
  ErrorPatterns errors_;
  std::map<std::string, std::string> id_map_;  // model's call id -> cassette call id
  std::map<std::string, std::string> names_;   // cassette call id -> tool name
  std::deque<std::string> unanswered_;         // cassette call ids, oldest first
  std::set<std::string> used_ids_;
  int64_t quoted_total_ = -1;  // the last total quoted to the user, until the user answers
  std::string quoted_by_;      // who quoted it: a tool result or the assistant's words
  int next_call_ = 1;
  ChargeCeiling ceiling_;
  std::string agreed_turn_;  // the last user turn, when it agreed and nothing answered it yet
  int64_t amount_scale_ = 1;
};

// The text of a message's content: a string, or the text parts of a content array.
std::string message_text(const nlohmann::json& content);

// "yes", "no" or "" (neither) for a user's answer to a quoted total. An answer that opens
// with a yes or a no word is that; otherwise a refusing word anywhere wins.
std::string consent_answer(const std::string& text);

}  // namespace checkride
