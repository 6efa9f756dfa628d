#include "recorder/sse_turn.h"

#include <algorithm>

#include "protocol/json_input.h"

namespace checkride {

void SseTurn::feed(std::string_view bytes) {
  if (skipping_line_) {
    std::size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) return;
    skipping_line_ = false;
    bytes.remove_prefix(nl + 1);
  }
  if (pending_.size() + bytes.size() > kMaxTurnBytes &&
      bytes.find('\n') == std::string_view::npos) {
    pending_.clear();  // one line longer than a whole turn may be: never parsed
    skipping_line_ = true;
    overflowed_ = true;
    return;
  }
  pending_.append(bytes);
  std::size_t start = 0;
  while (true) {
    std::size_t nl = pending_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string text = pending_.substr(start, nl - start);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    line(text);
    start = nl + 1;
  }
  pending_.erase(0, start);
}

// Every vendor's payload says what it is inside its JSON (`type`, `choices`), so the `event:`
// lines are not needed; comments, `id:` and blank separators neither.
void SseTurn::line(const std::string& text) {
  if (text.rfind("data:", 0) != 0) return;
  std::string data = text.substr(5);
  if (!data.empty() && data.front() == ' ') data.erase(0, 1);
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  auto chunk = parse_json_or_discarded(data);
  if (chunk.is_discarded() || !chunk.is_object()) return;
  ++chunks_;
  event(chunk);
}

std::size_t SseTurn::index_below(const nlohmann::json& data, const char* key, std::size_t limit) {
  auto it = data.find(key);
  if (it == data.end() || !it->is_number_unsigned() || it->get<uint64_t>() >= limit) return limit;
  return static_cast<std::size_t>(it->get<uint64_t>());
}

bool SseTurn::keep(std::size_t more) {
  if (held_ + more > kMaxTurnBytes) {
    overflowed_ = true;
    return false;
  }
  held_ += more;
  return true;
}

void SseTurn::note(const std::string& what) {
  constexpr std::size_t kKept = 8;
  if (std::find(notes_.begin(), notes_.end(), what) == notes_.end() && notes_.size() < kKept) {
    notes_.push_back(what);
  }
}

}  // namespace checkride
