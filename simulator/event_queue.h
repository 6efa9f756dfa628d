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
  kRetire,  // bookkeeping: is a finished session's ledger final yet? (not a simulated event)
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
      wheel_[slot(e.time)].events.push_back(e);
      ++in_wheel_;
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
    for (;;) {
      Bucket& b = wheel_[slot(cursor_)];
      if (b.next < b.events.size()) break;
      b.events.clear();
      b.next = 0;
      advance_to(cursor_ + 1);
    }
    if (cursor_ > limit) return false;
    Bucket& b = wheel_[slot(cursor_)];
    out = b.events[b.next++];
    --in_wheel_;
    return true;
  }

 private:
  static constexpr Time kWheelSize = Time{1} << 16;  // about 65 s of virtual time
  struct Bucket {
    std::vector<Event> events;
    std::size_t next = 0;
  };
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.time != y.time ? x.time > y.time : x.seq > y.seq;
    }
  };
  static std::size_t slot(Time t) { return static_cast<std::size_t>(t & (kWheelSize - 1)); }

  // Moves the cursor forward and pulls far events that came into range into their buckets
  // (heap order is (time, seq), and those buckets are still empty, so order is kept).
  void advance_to(Time t) {
    cursor_ = t;
    while (!far_.empty() && far_.top().time - cursor_ < kWheelSize) {
      wheel_[slot(far_.top().time)].events.push_back(far_.top());
      ++in_wheel_;
      far_.pop();
    }
  }

  std::vector<Bucket> wheel_;
  std::priority_queue<Event, std::vector<Event>, Later> far_;
  Time cursor_ = 0;
  std::size_t in_wheel_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace checkride
