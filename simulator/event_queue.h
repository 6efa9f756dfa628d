#pragma once
#include <cstdint>
#include <queue>
#include <vector>

#include "protocol/time.h"

namespace checkride {

enum class EventType : uint8_t {
  kArrival,
  kAgentStep,
  kAgentTimeout,   // b = the request given up on (connection refused)
  kAgentDeadline,  // the agent's armed timeout: checks the request in flight
  kAgentDuplicate,
  kProviderReply,
  kTimer,
  kCrash,
  kRestart,
  kWebhook,       // a payment event's delivery to the orchestrator; a = its slot
  kAuthenticate,  // the shopper finishes 3-D Secure; a = the intent, b = session << 1 | passed
  kRetire,        // bookkeeping: is a finished session's ledger final yet? (not a simulated event)
};

struct Event {
  Time time;
  uint64_t seq;  // tie-break: insertion order, so equal times replay identically
  EventType type;
  uint32_t epoch;  // orchestrator incarnation an event is addressed to
  uint64_t a;
  uint64_t b;
};

// Discrete-event queue ordered by (time, seq).
//
// A calendar wheel of one bucket per virtual millisecond: within a bucket events are kept
// in insertion order, which is seq order, so no comparison is needed for the near future
// where almost every event lands (agent think times, provider latency, timeouts). Events
// further out than the wheel wait in a heap and move into their bucket when it comes into
// range, before anything else can be pushed there, so the order stays exact.
//
// An event pushed for a time already passed fires at the current time.
class EventQueue {
 public:
  EventQueue() : wheel_(kWheelSize) {}

  void push(Time time, EventType type, uint64_t a = 0, uint64_t b = 0, uint32_t epoch = 0) {
    Event e{time < cursor_ ? cursor_ : time, next_seq_++, type, epoch, a, b};
    if (e.time - cursor_ < kWheelSize) {
      append(e);
    } else {
      far_.push(e);
    }
  }
  bool empty() const { return in_wheel_ == 0 && far_.empty(); }
  std::size_t size() const { return in_wheel_ + far_.size(); }

  // Pops the earliest event if it is due at or before `limit`; false when there is none.
  bool pop(Time limit, Event& out) {
    if (empty()) return false;
    if (in_wheel_ == 0) advance_to(far_.top().time);
    while (wheel_[slot(cursor_)].head == kNil) advance_to(cursor_ + 1);
    if (cursor_ > limit) return false;
    Bucket& b = wheel_[slot(cursor_)];
    uint32_t n = b.head;
    b.head = nodes_[n].next;
    if (b.head == kNil) b.tail = kNil;
    out = nodes_[n].event;
    nodes_[n].next = free_;  // last freed is reused first: it is still in cache
    free_ = n;
    --in_wheel_;
    return true;
  }

 private:
  static constexpr Time kWheelSize = Time{1} << 16;  // about 65 s of virtual time
  static constexpr uint32_t kNil = UINT32_MAX;
  // Events of one bucket form a FIFO list through a shared node pool, so a push touches
  // an 8-byte bucket head and a recently freed node rather than a per-bucket array.
  struct Node {
    Event event;
    uint32_t next;
  };
  struct Bucket {
    uint32_t head = kNil;
    uint32_t tail = kNil;
  };
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.time != y.time ? x.time > y.time : x.seq > y.seq;
    }
  };
  static std::size_t slot(Time t) { return static_cast<std::size_t>(t & (kWheelSize - 1)); }

  void append(const Event& e) {
    uint32_t n;
    if (free_ != kNil) {
      n = free_;
      free_ = nodes_[n].next;
    } else {
      n = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back({});
    }
    nodes_[n] = Node{e, kNil};
    Bucket& b = wheel_[slot(e.time)];
    if (b.tail == kNil) {
      b.head = n;
    } else {
      nodes_[b.tail].next = n;
    }
    b.tail = n;
    ++in_wheel_;
  }

  // Moves the cursor forward and pulls far events that came into range into their buckets
  // (heap order is (time, seq), and those buckets are still empty, so order is kept).
  void advance_to(Time t) {
    cursor_ = t;
    while (!far_.empty() && far_.top().time - cursor_ < kWheelSize) {
      append(far_.top());
      far_.pop();
    }
  }

  std::vector<Bucket> wheel_;
  std::vector<Node> nodes_;
  uint32_t free_ = kNil;
  std::priority_queue<Event, std::vector<Event>, Later> far_;
  Time cursor_ = 0;
  std::size_t in_wheel_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace checkride
