#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace checkride {

// What every streamed turn's assembler shares: the SSE bytes as they arrive, split anywhere
// (even inside a line), cut into `data:` payloads that are parsed and handed to event(). It
// holds at most kMaxTurnBytes of the turn (and of one line): past that it stops keeping text
// but still watches for the end. Each vendor's events are its subclass's business.
class SseTurn {
 public:
  static constexpr std::size_t kMaxTurnBytes = 8u << 20;
  virtual ~SseTurn() = default;

  void feed(std::string_view bytes);
  // The turn so far in its API's own non-streamed shape (what llm_api.h reads).
  virtual nlohmann::json reply() const = 0;
  // The stream said it is over (chat's `[DONE]`, Anthropic's message_stop, the Responses
  // API's response.completed); a stream that broke off before it is not a turn.
  bool done() const { return done_; }
  // The turn held more than kMaxTurnBytes: what was assembled is not the whole of it.
  bool overflowed() const { return overflowed_; }
  int chunks() const { return chunks_; }
  // What the stream held that is not the turn (malformed fragments, other choices, an error
  // event). The recorder keeps them as a note; the client got the bytes as they were.
  const std::vector<std::string>& notes() const { return notes_; }

 protected:
  // One data payload that parsed as a JSON object.
  virtual void event(const nlohmann::json& data) = 0;
  void mark_done() { done_ = true; }
  // The small index (a block's, an item's) an event names under `key`; `limit` when it names
  // none below `limit`, so no event can make an assembler keep unbounded slots.
  static std::size_t index_below(const nlohmann::json& data, const char* key, std::size_t limit);
  bool keep(std::size_t more);  // room for `more` bytes of the turn?
  void note(const std::string& what);

 private:
  void line(const std::string& text);

  std::string pending_;         // an incomplete last line
  bool skipping_line_ = false;  // the current line outgrew the bound: dropped to its end
  std::size_t held_ = 0;        // bytes of the turn kept
  bool overflowed_ = false;
  bool done_ = false;
  int chunks_ = 0;
  std::vector<std::string> notes_;
};

}  // namespace checkride
