#include "recorder/responses_history.h"

#include "recorder/chat_normalizers.h"

namespace checkride {
namespace {

nlohmann::json as_items(const nlohmann::json& input) {
  if (input.is_string()) return nlohmann::json::array({{{"role", "user"}, {"content", input}}});
  return input.is_array() ? input : nlohmann::json::array();
}

std::string conversation_key(const nlohmann::json& body) {
  auto it = body.find("conversation");
  if (it == body.end()) return "";
  std::string id = it->is_string() ? it->get<std::string>() : text_of(*it, "id");
  return id.empty() ? "" : "conv:" + id;
}

}  // namespace

nlohmann::json ResponsesHistory::folded(const nlohmann::json& body, std::string& unknown) const {
  unknown.clear();
  nlohmann::json out = body;
  const std::string previous = text_of(body, "previous_response_id");
  const std::string key = previous.empty() ? conversation_key(body) : "resp:" + previous;
  if (key.empty()) return out;
  nlohmann::json items = nlohmann::json::array();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) {
      unknown = key.substr(5);
    } else {
      items = it->second.items;
    }
  }
  for (auto& item : as_items(body.contains("input") ? body["input"] : nlohmann::json()))
    items.push_back(std::move(item));
  out["input"] = std::move(items);
  return out;
}

void ResponsesHistory::remember(const nlohmann::json& folded, const std::string& response_id,
                                const nlohmann::json& output) {
  nlohmann::json items = as_items(folded.contains("input") ? folded["input"] : nlohmann::json());
  if (output.is_array()) {
    for (const auto& item : output) items.push_back(item);
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string conversation = conversation_key(folded);
  if (!conversation.empty()) put(conversation, items);
  if (!response_id.empty()) put("resp:" + response_id, std::move(items));
}

void ResponsesHistory::put(const std::string& key, nlohmann::json items) {
  const std::size_t size = items.dump().size();
  if (size > kMaxBytes) return;
  auto it = items_.find(key);
  if (it != items_.end()) {  // written again: it is now the newest
    bytes_ -= it->second.size;
    order_.erase(it->second.seq);
  }
  items_[key] = Entry{std::move(items), size, next_seq_};
  order_[next_seq_++] = key;
  bytes_ += size;
  while (bytes_ > kMaxBytes) {
    auto oldest = items_.find(order_.begin()->second);
    bytes_ -= oldest->second.size;
    order_.erase(order_.begin());
    items_.erase(oldest);
  }
}

}  // namespace checkride
