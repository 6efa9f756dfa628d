#include "recorder/transcript.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "protocol/action.h"
#include "protocol/json_input.h"
#include "recorder/consent_reading.h"
#include "recorder/stated_amount.h"

namespace checkride {
namespace {

constexpr const char* kToolCallOpen = "<tool_call>";
constexpr const char* kToolCallClose = "</tool_call>";
constexpr const char* kToolResponseOpen = "<tool_response>";
constexpr const char* kToolResponseClose = "</tool_response>";
constexpr const char* kUnparseable = "<unparseable tool_call>";

// The blocks between `open` and `close` tags; `rest` gets the text outside them.
std::vector<std::string> tagged_blocks(const std::string& text, const std::string& open,
                                       const std::string& close, std::string& rest) {
  std::vector<std::string> blocks;
  rest.clear();
  std::size_t at = 0;
  while (true) {
    std::size_t start = text.find(open, at);
    if (start == std::string::npos) break;
    std::size_t end = text.find(close, start + open.size());
    rest += text.substr(at, start - at);
    if (end == std::string::npos) {  // an unterminated block runs to the end of the text
      blocks.push_back(text.substr(start + open.size()));
      at = text.size();
      break;
    }
    blocks.push_back(text.substr(start + open.size(), end - start - open.size()));
    at = end + close.size();
  }
  rest += text.substr(std::min(at, text.size()));
  return blocks;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// A total a tool result quotes, in minor units: `amount_cents` or `total_cents`, or, for tools
// that speak dollars (scale above 1), `total`, `total_price` or `amount`, decimals rounded to
// the cent. -1 when it quotes none.
int64_t quoted_amount(const nlohmann::json& result, int64_t scale) {
  if (!result.is_object()) return -1;
  for (const char* key : {"amount_cents", "total_cents"}) {
    auto it = result.find(key);
    if (it != result.end() && it->is_number_integer()) return it->get<int64_t>();
  }
  if (scale <= 1) return -1;  // a bare `total` could be anything: only a declared scale reads it
  for (const char* key : {"total", "total_price", "amount"}) {
    auto it = result.find(key);
    if (it == result.end() || !it->is_number()) continue;
    double minor = std::round(it->get<double>() * static_cast<double>(scale));
    if (minor >= 0 && minor <= 1e15) return static_cast<int64_t>(minor);
  }
  return -1;
}

}  // namespace

std::string message_text(const nlohmann::json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_object() && part.contains("type") && part["type"] == "text" &&
          part.contains("text") && part["text"].is_string()) {
        if (!out.empty()) out += "\n";
        out += part["text"].get<std::string>();
      }
    }
  }
  return out;
}

std::string consent_answer(const std::string& text) {
  switch (read_consent(text).answer) {
    case ConsentReading::Answer::kYes:
      return "yes";
    case ConsentReading::Answer::kNo:
      return "no";
    case ConsentReading::Answer::kNeither:
      break;
  }
  return "";
}

bool TranscriptConverter::is_action(const std::string& name) const {
  return actions_.empty() || actions_.count(name) > 0;
}

namespace {

// What the user said, cut to fit an `inferred_from` (on a character boundary).
std::string quoted_words(const std::string& text) {
  if (text.size() <= 60) return text;
  std::size_t cut = 57;  // never half a UTF-8 sequence
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace

void TranscriptConverter::add_call(const std::string& id, const std::string& name,
                                   const nlohmann::json& arguments, const nlohmann::json& raw,
                                   std::vector<CassetteEvent>& out) {
  // The model's id when it has a usable one; ids some models reuse ("call_0") get a suffix.
  std::string call_id = id.empty() ? "fc" + std::to_string(next_call_) : id;
  ++next_call_;
  if (used_ids_.count(call_id)) call_id += "#" + std::to_string(next_call_);
  used_ids_.insert(call_id);
  if (!id.empty()) id_map_[id] = call_id;
  names_[call_id] = name;
  unanswered_.push_back(call_id);

  // Arguments arrive as a JSON string (OpenAI) or an object (Hermes, some servers).
  CassetteEvent params;
  std::string params_error;
  if (arguments.is_string()) {
    const std::string& text = arguments.get_ref<const std::string&>();
    try {
      params = parse_ordered_json(text.empty() ? "{}" : text);
      if (!params.is_object()) params_error = "arguments are JSON but not an object";
    } catch (const nlohmann::json::parse_error& e) {
      params = text;
      params_error = std::string("arguments are not valid JSON: ") + e.what();
    }
  } else if (arguments.is_object()) {
    params = arguments;
  } else if (arguments.is_null()) {
    params = CassetteEvent::object();
  } else {
    params = arguments;
    params_error = "arguments are not an object";
  }

  CassetteEvent ev;
  // The catalog's policy: the user's "yes" just before a charge-bearing call consents to it.
  if (ceiling_ && !agreed_turn_.empty() && is_action(name) && params.is_object()) {
    int64_t most = ceiling_(name, nlohmann::json::parse(params.dump()));
    if (most >= 0) {
      out.push_back(
          CassetteEvent{{"type", "confirm"},
                        {"call_id", call_id},
                        {"granted", true},
                        {"amount_cents", most},
                        {"inferred_from",
                         "the catalog's consent policy (the user's turn before the call): "
                         "the user said '" +
                             quoted_words(agreed_turn_) + "', the call agrees to pay " +
                             std::to_string(most) + " cents"}});
      agreed_turn_.clear();
    }
  }
  // A call that could not even be read is a malformed action: replay sends it as one.
  if (is_action(name) || name == kUnparseable) {
    ev["type"] = "action";
    ev["call_id"] = call_id;
    ev["action"] = name;
    ev["params"] = params;
    if (!params_error.empty()) ev["params_error"] = params_error;
    ev["raw"] = raw;
  } else {
    ev["type"] = "note";
    // Why it is kept as a note, so a user can map it: the action catalog has no such action.
    ev["text"] = "tool call " + name + " kept as a note: the action catalog has no action '" +
                 name + "'; map it under actions: to replay it";
    ev["call_id"] = call_id;
    ev["tool"] = name;
    ev["arguments"] = params;
  }
  out.push_back(std::move(ev));
}

void TranscriptConverter::add_result(const std::string& call_id, const std::string& content,
                                     std::vector<CassetteEvent>& out,
                                     const std::string& recorded_failure) {
  auto pending = std::find(unanswered_.begin(), unanswered_.end(), call_id);
  if (pending != unanswered_.end()) unanswered_.erase(pending);
  std::string name = names_.count(call_id) ? names_[call_id] : "";
  CassetteEvent result;
  try {
    result = parse_ordered_json(content);
  } catch (const nlohmann::json::parse_error&) {
    result = CassetteEvent{{"text", content}};
  }
  if (!result.is_object()) result = CassetteEvent{{"value", result}};
  int64_t amount = quoted_amount(result, amount_scale_);
  if (amount >= 0) {
    quoted_total_ = amount;
    quoted_by_ = "the result of " + (name.empty() ? std::string("a tool call") : name) +
                 " quoted " + std::to_string(amount) + " cents";
  }

  CassetteEvent ev;
  if (name.empty() || !is_action(name)) {
    ev["type"] = "note";
    ev["text"] = name.empty() ? "tool result for an unknown call" : "tool result for " + name;
    ev["call_id"] = call_id;
    ev["result"] = result;
    out.push_back(std::move(ev));
    return;
  }
  ev["type"] = "result";
  ev["call_id"] = call_id;
  ActionStatus status;
  auto st = result.find("status");
  if (st != result.end() && st->is_string() && parse_status(st->get<std::string>(), status)) {
    ev["status"] = st->get<std::string>();
  } else if (!recorded_failure.empty()) {  // the recording's own word: the call failed
    ev["status"] = "failed";
    ev["status_inferred"] = true;
    ev["inferred_from"] = "the recording marked it failed (" + recorded_failure + ")";
  } else {
    // A third-party tool's answer carries no orchestrator status: read it for a failure.
    std::string text = content;  // a JSON string answer is read as its value
    if (result.contains("value") && result["value"].is_string()) {
      text = result["value"].get<std::string>();
    }
    InferredStatus inferred = infer_status(result, text, errors_);
    ev["status"] = inferred.status;
    ev["status_inferred"] = true;
    ev["inferred_from"] = inferred.from;
  }
  ev["result"] = result;
  out.push_back(std::move(ev));
}

void TranscriptConverter::add_user_text(const std::string& text, std::vector<CassetteEvent>& out) {
  out.push_back(CassetteEvent{{"type", "user"}, {"text", text}});
  const ConsentReading reading = read_consent(text);
  const bool yes = reading.answer == ConsentReading::Answer::kYes;
  agreed_turn_ = yes && quoted_total_ < 0 ? text : "";
  if (quoted_total_ < 0 || reading.answer == ConsentReading::Answer::kNeither) return;
  // Consent a person read from the conversation, not one the agent runtime relayed: the
  // event says so, and from what, so a replay can tell the two apart. A yes with a ceiling
  // below the stated amount ("yes, if it's under $500") agrees to nothing.
  std::string said = quoted_words(text);
  std::string from = quoted_by_ + "; the user answered '" + said + "'";
  if (yes && !reading.agrees_to(quoted_total_)) {
    from += " (a yes only up to " + std::to_string(reading.up_to_cents) + " cents)";
  }
  out.push_back(CassetteEvent{{"type", "confirm"},
                              {"granted", reading.agrees_to(quoted_total_)},
                              {"amount_cents", quoted_total_},
                              {"inferred_from", from}});
  quoted_total_ = -1;
}

// Hermes answers tool calls in a user turn; the rest of it is the user's words.
void TranscriptConverter::add_user_message(const std::string& text,
                                           std::vector<CassetteEvent>& out) {
  std::string rest;
  auto responses = tagged_blocks(text, kToolResponseOpen, kToolResponseClose, rest);
  for (const auto& block : responses) {  // Hermes answers tool calls in a user turn
    std::string content = trim(block);
    try {
      auto j = parse_json(content);
      if (j.is_object() && j.contains("content")) {
        content = j["content"].is_string() ? j["content"].get<std::string>() : j["content"].dump();
      }
    } catch (const nlohmann::json::parse_error&) {
    }
    std::string call = unanswered_.empty() ? "" : unanswered_.front();
    add_result(call, content, out);
  }
  if (!trim(rest).empty()) add_user_text(trim(rest), out);
}

void TranscriptConverter::add_assistant_message(const nlohmann::json& message,
                                                const std::string& text,
                                                std::vector<CassetteEvent>& out) {
  std::string rest;
  auto hermes = tagged_blocks(text, kToolCallOpen, kToolCallClose, rest);
  if (!trim(rest).empty()) {
    out.push_back(CassetteEvent{{"type", "assistant"}, {"text", trim(rest)}});
    int64_t stated = stated_amount_cents(trim(rest));
    if (stated >= 0) {
      quoted_total_ = stated;
      quoted_by_ = "the assistant stated " + std::to_string(stated) + " cents";
    }
  }
  auto calls = message.find("tool_calls");
  if (calls != message.end() && calls->is_array()) {
    for (const auto& call : *calls) {
      if (!call.is_object()) {  // kept, not dropped: the model sent something unreadable
        add_call("", kUnparseable, call.dump(), call, out);
        continue;
      }
      auto fn_it = call.find("function");
      const nlohmann::json fn =
          fn_it != call.end() && fn_it->is_object() ? *fn_it : nlohmann::json::object();
      std::string name = string_field(fn, "name", "");
      auto args = fn.find("arguments");
      add_call(string_field(call, "id", ""), name.empty() ? kUnparseable : name,
               args == fn.end() ? nlohmann::json() : *args, call, out);
    }
  }
  auto fc = message.find("function_call");
  if (fc != message.end() && fc->is_object()) {
    std::string name = string_field(*fc, "name", "");
    auto args = fc->find("arguments");
    add_call("", name.empty() ? kUnparseable : name, args == fc->end() ? nlohmann::json() : *args,
             *fc, out);
  }
  for (const auto& block : hermes) {
    nlohmann::json call;
    try {
      call = parse_json(trim(block));
    } catch (const nlohmann::json::parse_error&) {
      call = nlohmann::json::object();
    }
    if (!call.is_object() || !call.contains("name") || !call["name"].is_string()) {
      // Kept, not dropped: an unparseable Hermes call is a malformed action.
      add_call("", kUnparseable, trim(block), block, out);
      continue;
    }
    add_call("", call["name"].get<std::string>(),
             call.contains("arguments") ? call["arguments"] : nlohmann::json::object(), call, out);
  }
}

void TranscriptConverter::add_tool_message(const nlohmann::json& message, const std::string& role,
                                           std::string text, std::vector<CassetteEvent>& out) {
  std::string call;
  auto id = message.find("tool_call_id");
  if (id != message.end() && id->is_string() && id_map_.count(id->get<std::string>())) {
    call = id_map_[id->get<std::string>()];
  } else if (role == "function" && message.contains("name") && message["name"].is_string()) {
    // Qwen-Agent answers by function name: the oldest unanswered call of that name.
    std::string name = message["name"].get<std::string>();
    for (const auto& c : unanswered_) {
      if (names_[c] == name) {
        call = c;
        break;
      }
    }
  }
  if (call.empty() && !unanswered_.empty()) call = unanswered_.front();
  std::string rest;
  auto responses = tagged_blocks(text, kToolResponseOpen, kToolResponseClose, rest);
  if (!responses.empty()) text = trim(responses.front());
  auto failure = message.find("recorded_failure");  // set by the other formats' readers
  add_result(call, text, out,
             failure != message.end() && failure->is_string() ? failure->get<std::string>()
                                                              : std::string());
}

bool TranscriptConverter::add_message(const nlohmann::json& message,
                                      std::vector<CassetteEvent>& out, std::string& error) {
  if (!message.is_object()) {
    error = "expected a message object";
    return false;
  }
  auto role_it = message.find("role");
  if (role_it == message.end() || !role_it->is_string()) {
    error = "role: expected a string (system, user, assistant, tool or function)";
    return false;
  }
  const std::string role = role_it->get<std::string>();
  std::string text = message_text(message.value("content", nlohmann::json()));

  if (role == "system" || role == "developer") return true;  // prompts are not replayed
  if (role == "user") {
    add_user_message(text, out);
    return true;
  }
  if (role == "assistant") {
    add_assistant_message(message, text, out);
    return true;
  }
  if (role == "tool" || role == "function") {
    add_tool_message(message, role, text, out);
    return true;
  }
  error = "role: unknown role '" + role + "'; expected system, user, assistant, tool or function";
  return false;
}

}  // namespace checkride
