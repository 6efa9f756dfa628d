#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace checkride {

// The Responses API keeps a conversation on the server: a request that names
// `previous_response_id` (or a `conversation`) sends only its new input items, and the
// upstream puts the earlier ones in front. The recorder does the same from what it relayed,
// so a continued request reads as the whole conversation and the earlier turns are not
// recorded twice. Bounded: the oldest entries go past kMaxBytes. Thread-safe.
class ResponsesHistory {
 public:
  static constexpr std::size_t kMaxBytes = 64u << 20;

  // `body` with the items the upstream holds for it in front of its `input` (a string input
  // becomes one user item). `unknown` says which id this recorder never saw, or "".
  nlohmann::json folded(const nlohmann::json& body, std::string& unknown) const;
  // After a turn: the folded request's input and the answer's output, under the response's
  // id and, when the request named one, its conversation.
  void remember(const nlohmann::json& folded, const std::string& response_id,
                const nlohmann::json& output);

 private:
  void put(const std::string& key, nlohmann::json items);  // with mu_ held

  struct Entry {
    nlohmann::json items;
    std::size_t size = 0;  // bytes of its JSON
    uint64_t seq = 0;      // when it was written
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> items_;     // "resp:ID" or "conv:ID" -> the conversation's items
  std::map<uint64_t, std::string> order_;  // oldest first
  std::size_t bytes_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace checkride
