#include "recorder/transcript_import.h"

#include <filesystem>
#include <sstream>

#include "protocol/input_error.h"
#include "protocol/input_file.h"
#include "protocol/json_input.h"
#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

// Imported transcripts carry no timing: a plausible pace, so think times and hold TTLs in a
// replay look like a person at a keyboard.
int64_t pace(const CassetteEvent& ev) {
  const std::string& type = ev["type"].get_ref<const std::string&>();
  if (type == "user") return 2000;
  if (type == "confirm") return 500;
  if (type == "assistant" || type == "action") return 800;
  return 100;
}

std::string joined(const std::string& where, const std::string& field) {
  if (where.empty() || field.empty() || field[0] == '[') return where + field;
  return where.back() == '.' ? where + field : where + "." + field;
}

nlohmann::json normalized(TranscriptFormat f, const nlohmann::json& conv) {
  switch (f) {
    case TranscriptFormat::kAnthropic:
      return anthropic_to_chat(conv);
    case TranscriptFormat::kOpenAiResponses:
      return responses_to_chat(conv);
    case TranscriptFormat::kGemini:
      return gemini_to_chat(conv);
    case TranscriptFormat::kDashScope:
      return dashscope_to_chat(conv);
    default:
      return conv;
  }
}

}  // namespace

bool TranscriptImport::one_conversation(const nlohmann::json& array) const {
  if (!array.is_array() || array.empty() || !array[0].is_object()) return false;
  const nlohmann::json& first = array[0];
  switch (format_) {
    case TranscriptFormat::kOpenAiResponses:
      return first.contains("role") || first.contains("type");
    case TranscriptFormat::kGemini:
      return first.contains("parts") || first.contains("candidates");
    case TranscriptFormat::kDashScope:  // each object a conversation (its last exchange)
      return false;
    default:
      return first.contains("role");
  }
}

// The conversation's messages in OpenAI chat shape: where --messages-field says (for OpenAI,
// `messages` by default), read by the format's normalizer.
nlohmann::json TranscriptImport::chat_messages(const nlohmann::json& conv, const std::string& file,
                                               int line, const std::string& where) {
  const nlohmann::json* source = &conv;
  std::string field = where;
  const bool named = !options_.messages_field.empty();
  if (conv.is_object() && (named || format_ == TranscriptFormat::kOpenAi)) {
    const std::string key = named ? options_.messages_field : "messages";
    source = field_at(conv, key);
    if (source == nullptr) {
      throw InputError(file, line, where + key,
                       "missing; expected the message array (choose the field with "
                       "--messages-field)");
    }
    field = where + key;
  }
  if (format_ == TranscriptFormat::kOpenAi) {
    if (!source->is_array()) throw InputError(file, line, field, "expected an array of messages");
    return *source;
  }
  try {
    return normalized(format_, *source);
  } catch (const ShapeError& e) {
    throw InputError(file, line, joined(field, e.field),
                     e.message + " (reading " + std::string(format_title(format_)) + ")");
  } catch (const nlohmann::json::exception& e) {  // a value of a type no reader expected
    throw InputError(file, line, field,
                     std::string("unexpected value: ") + e.what() + " (reading " +
                         std::string(format_title(format_)) + ")");
  }
}

void TranscriptImport::conversation(const nlohmann::json& conv, const std::string& file, int line,
                                    const std::string& where, const std::string& fallback_id,
                                    const std::string* own_user) {
  const nlohmann::json messages = chat_messages(conv, file, line, where);
  std::string id = fallback_id;
  if (own_user != nullptr) {
    // Assembled from a log: its id and user are the log's own.
  } else if (conv.is_object()) {
    if (!options_.session_id_fields.empty()) {
      id = id_from_fields(conv, file, line, where);
    } else {
      std::string own = format_session_id(format_, conv);
      for (const char* key : {"id", "session_id", "conversation_id"}) {
        if (own.empty()) own = text_of(conv, key);
      }
      if (!own.empty()) id = own;
    }
  } else if (!options_.session_id_fields.empty()) {
    throw InputError(file, line, where + options_.session_id_fields.front(),
                     "missing: a bare message array has no fields to name its session");
  }
  std::string user = own_user != nullptr ? *own_user : user_of(conv, file, line, where);
  if (user.empty() && options_.user_id_field.empty()) user = format_user_id(format_, conv);
  TranscriptConverter converter(options_.actions, options_.error_patterns);
  if (options_.consent_ceiling) converter.consent_from_turn_before_call(options_.consent_ceiling);
  converter.set_amount_scale(options_.amount_scale);
  ImportedSession s{unique(id), {}, user};
  const std::string field =
      format_ == TranscriptFormat::kOpenAi && conv.is_object()
          ? where + (options_.messages_field.empty() ? "messages" : options_.messages_field)
          : where;
  int64_t t = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    std::vector<CassetteEvent> events;
    std::string error;
    if (!converter.add_message(messages[i], events, error)) {
      throw InputError(file, line, field + "[" + std::to_string(i) + "]", error);
    }
    for (auto& ev : events) {
      if (!s.events.empty()) t += pace(ev);
      s.events.emplace_back(t, std::move(ev));
    }
  }
  sessions.push_back(std::move(s));
}

// The value of --user-id-field, a string or an integer; "" without the option.
std::string TranscriptImport::user_of(const nlohmann::json& conv, const std::string& file, int line,
                                      const std::string& where) const {
  const std::string& field = options_.user_id_field;
  if (field.empty()) return "";
  const nlohmann::json* it = conv.is_object() ? field_at(conv, field) : nullptr;
  if (it == nullptr || !(it->is_string() || it->is_number_integer()) ||
      (it->is_string() && it->get<std::string>().empty())) {
    throw InputError(file, line, where + field,
                     "expected a string or an integer naming the session's user "
                     "(--user-id-field names it)");
  }
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The values of --session-id-field, each a string or an integer, joined with ':'.
std::string TranscriptImport::id_from_fields(const nlohmann::json& conv, const std::string& file,
                                             int line, const std::string& where) const {
  std::string id;
  for (const std::string& field : options_.session_id_fields) {
    const nlohmann::json* it = field_at(conv, field);
    if (it == nullptr || !(it->is_string() || it->is_number_integer())) {
      throw InputError(file, line, where + field,
                       it == nullptr ? "missing; --session-id-field names it"
                                     : "expected a string or an integer to name the session");
    }
    if (!id.empty()) id += ":";
    id += it->is_string() ? it->get<std::string>() : it->dump();
  }
  return id;
}

std::string TranscriptImport::unique(const std::string& id) {
  int& n = seen_[id];
  return ++n == 1 ? id : id + "-" + std::to_string(n);
}

}  // namespace checkride
