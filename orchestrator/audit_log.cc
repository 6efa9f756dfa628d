#include "orchestrator/audit_log.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace checkride {

namespace {

// Appends `text` to the line buffer, truncating at its end.
void put(char*& at, char* end, std::string_view text) {
  std::size_t n = std::min<std::size_t>(text.size(), static_cast<std::size_t>(end - at));
  std::memcpy(at, text.data(), n);
  at += n;
}

template <typename Int>
void put_int(char*& at, char* end, Int value) {
  at = std::to_chars(at, end, value).ptr;
}

}  // namespace

void AuditLog::append(Time t, std::string_view kind, uint64_t session, uint64_t saga,
                      std::string_view detail, int64_t amount) {
  const uint64_t seq = next_seq_;
  if (sink_ == nullptr) {  // nobody keeps the records, so there is no chain to extend
    ++next_seq_;
    return;
  }
  // "t|kind|session|saga|detail|amount", built without printf (this runs per step). Details
  // longer than the stack buffer (an action's params) take the heap.
  constexpr std::size_t kNumbers = 4 * 21 + 5;  // four integers and the separators
  std::string heap;
  char stack[256];
  char* buf = stack;
  std::size_t capacity = sizeof stack;
  if (kind.size() + detail.size() + kNumbers > capacity) {
    heap.resize(kind.size() + detail.size() + kNumbers);
    buf = heap.data();
    capacity = heap.size();
  }
  char* at = buf;
  char* end = buf + capacity;
  put_int(at, end, t);
  put(at, end, "|");
  put(at, end, kind);
  put(at, end, "|");
  put_int(at, end, session);
  put(at, end, "|");
  put_int(at, end, saga);
  put(at, end, "|");
  put(at, end, detail);
  put(at, end, "|");
  put_int(at, end, amount);
  std::string_view line(buf, static_cast<std::size_t>(at - buf));
  const Sha256 next = chain_hash(head_, line);
  // The sequence and the head move only once the sink kept the record: a sink that failed
  // (a full disk) must not leave a gap that reads as tampering ever after.
  sink_->append(seq, line, next);
  head_ = next;
  next_seq_ = seq + 1;
}

}  // namespace checkride
