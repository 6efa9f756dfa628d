#include "recorder/conversation_book.h"

namespace checkride {

namespace {

// The JSON text of a field, or "" when `j` is not an object or lacks it: no type_error on
// what a client sends.
std::string field_text(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::string message_digest(const nlohmann::json& m) {
  if (!m.is_object()) return m.dump();
  auto content = m.find("content");
  std::string d = field_text(m, "role") + "\x1f" +
                  message_text(content == m.end() ? nlohmann::json() : *content);
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
    for (const auto& call : m["tool_calls"]) {
      auto fn = call.is_object() ? call.find("function") : call.end();
      const nlohmann::json none;
      const nlohmann::json& f = call.is_object() && fn != call.end() ? *fn : none;
      d += "\x1f" + field_text(call, "id") + "\x1e" + field_text(f, "name") + "\x1e" +
           field_text(f, "arguments");
    }
  }
  if (m.contains("function_call") && m["function_call"].is_object()) {
    d += "\x1f" + m["function_call"].dump();
  }
  if (m.contains("tool_call_id") && m["tool_call_id"].is_string()) {
    d += "\x1f" + m["tool_call_id"].get<std::string>();
  }
  return d;
}

int64_t ConversationBook::elapsed_ms(const Conversation& c) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               c.start)
      .count();
}

void ConversationBook::record(const std::string& session, Conversation& c,
                              const nlohmann::json& message) {
  std::vector<CassetteEvent> events;
  std::string error;
  try {
    if (!c.converter->add_message(message, events, error)) {
      events.push_back(CassetteEvent{{"type", "note"}, {"text", "unrecognised message: " + error}});
    }
  } catch (const nlohmann::json::exception& e) {
    // The recorder never dies on what a client or an upstream sent: keep a note instead.
    events.clear();
    events.push_back(
        CassetteEvent{{"type", "note"}, {"text", std::string("malformed message: ") + e.what()}});
  }
  int64_t t = elapsed_ms(c);
  for (const auto& ev : events) writer_.append(session, t, ev);
}

std::string ConversationBook::begin(const nlohmann::json& messages,
                                    const std::string& explicit_id) {
  std::vector<std::string> digests;
  for (const auto& m : messages) digests.push_back(message_digest(m));
  std::lock_guard<std::mutex> lock(mu_);
  std::string id = explicit_id;
  if (id.empty()) {
    std::size_t best = 0;
    for (auto& [cid, c] : conversations_) {
      if (c.waiting || c.digests.empty() || c.digests.size() > digests.size()) continue;
      if (!std::equal(c.digests.begin(), c.digests.end(), digests.begin())) continue;
      if (c.digests.size() > best) {
        best = c.digests.size();
        id = cid;
      }
    }
    if (id.empty()) id = "conv-" + std::to_string(next_++);
  }
  auto [it, fresh] = conversations_.try_emplace(id);
  Conversation& c = it->second;
  if (fresh) {
    c.converter = std::make_unique<TranscriptConverter>(actions_, errors_);
    c.start = std::chrono::steady_clock::now();
  }
  // With an explicit id the client may resend a shorter history; record only what is new.
  std::size_t known = 0;
  while (known < c.digests.size() && known < digests.size() && c.digests[known] == digests[known]) {
    ++known;
  }
  for (std::size_t i = known; i < digests.size(); ++i) record(id, c, messages[i]);
  c.digests = std::move(digests);
  c.waiting = true;
  return id;
}

void ConversationBook::finish(const std::string& session, const nlohmann::json& turn,
                              const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  Conversation& c = conversations_[session];
  c.waiting = false;
  if (!c.converter) return;
  for (const auto& message : turn) {
    record(session, c, message);
    c.digests.push_back(message_digest(message));
  }
  if (!note.empty()) {
    writer_.append(session, elapsed_ms(c), CassetteEvent{{"type", "note"}, {"text", note}});
  }
}

}  // namespace checkride
