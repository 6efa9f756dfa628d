#pragma once
#include <cstdint>
#include <queue>
#include <vector>

#include "protocol/time.h"

namespace checkride {

enum class EventType : uint8_t {
  kArrival,
  kAgentStep,
  kAgentTimeout,
  kAgentDuplicate,
  kProviderReply,
  kTimer,
  kCrash,
  kRestart,
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
class EventQueue {
 public:
  void push(Time time, EventType type, uint64_t a = 0, uint64_t b = 0, uint32_t epoch = 0) {
    heap_.push(Event{time, next_seq_++, type, epoch, a, b});
  }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.top(); }
  Event pop() {
    Event e = heap_.top();
    heap_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const Event& x, const Event& y) const {
      return x.time != y.time ? x.time > y.time : x.seq > y.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace checkride
