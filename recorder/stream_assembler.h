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
// Bytes may arrive split anywhere, even inside a line.
class StreamAssembler {
 public:
  void feed(std::string_view bytes);
  // The message so far, in the non-streaming response's shape.
  nlohmann::json message() const;
  bool done() const { return done_; }  // saw "data: [DONE]"
  int chunks() const { return chunks_; }
  // What the stream held that is not the turn: malformed fragments, choices other than 0
  // (n > 1). The recorder keeps them as a note; the client got the bytes as they were.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  void line(const std::string& text);
  void choice_delta(const nlohmann::json& delta);
  void note(const std::string& what);

  std::string pending_;  // an incomplete last line
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
