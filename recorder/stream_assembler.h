#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace checkride {

// Rebuilds the assistant message from an OpenAI chat-completions SSE stream: content deltas
// concatenated, tool calls reassembled by index (id and name from their first fragment,
// argument fragments appended in order), and the legacy `function_call` delta the same way.
// Bytes may arrive split anywhere, even inside a line. It holds at most kMaxTurnBytes of the
// turn (and of one line): past that it stops keeping text but still watches for the end.
class StreamAssembler {
 public:
  static constexpr std::size_t kMaxTurnBytes = 8u << 20;
  void feed(std::string_view bytes);
  // The message so far, in the non-streaming response's shape.
  nlohmann::json message() const;
  bool done() const { return done_; }  // saw "data: [DONE]"
  // The turn held more than kMaxTurnBytes: message() is not the whole of it.
  bool overflowed() const { return overflowed_; }
  int chunks() const { return chunks_; }
  // What the stream held that is not the turn: malformed fragments, choices other than 0
  // (n > 1). The recorder keeps them as a note; the client got the bytes as they were.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  void line(const std::string& text);
  void choice_delta(const nlohmann::json& delta);
  void note(const std::string& what);

  bool keep(std::size_t more);  // room for `more` bytes of the turn?

  std::string pending_;         // an incomplete last line
  bool skipping_line_ = false;  // the current line outgrew the bound: dropped to its end
  std::size_t held_ = 0;        // bytes of content, names and arguments kept
  bool overflowed_ = false;
  std::string role_ = "assistant";
  std::string content_;
  bool has_content_ = false;
  struct Call {
    std::string id, type = "function", name, arguments;
  };
  std::map<int, Call> calls_;
  bool has_function_call_ = false;
  Call function_call_;
  bool done_ = false;
  int chunks_ = 0;
  std::vector<std::string> notes_;
};

}  // namespace checkride
