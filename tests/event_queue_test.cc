// The calendar-wheel event queue must pop in exactly (time, insertion order), far events
// included: determinism of every run rests on it.
#include "simulator/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <tuple>
#include <vector>

#include "scenario/rng.h"

namespace checkride {
namespace {

constexpr Time kNoLimit = std::numeric_limits<Time>::max();

// Reference model: a sorted list of (time, insertion number).
struct Model {
  std::vector<std::tuple<Time, uint64_t>> items;
  uint64_t next = 0;
  void push(Time t) { items.emplace_back(t, next++); }
  std::tuple<Time, uint64_t> pop() {
    auto it = std::min_element(items.begin(), items.end());
    auto v = *it;
    items.erase(it);
    return v;
  }
};

TEST(EventQueue, PopsInTimeThenInsertionOrderAcrossNearAndFarEvents) {
  EventQueue q;
  Model m;
  Stream rng(7, "queue-test");
  Time now = 0;
  for (int round = 0; round < 20000; ++round) {
    // Mostly near events, some far beyond the wheel (hours), many exact ties.
    int pushes = static_cast<int>(rng.below(3));
    for (int i = 0; i < pushes; ++i) {
      uint64_t kind = rng.below(10);
      Time at = now + (kind < 6   ? static_cast<Time>(rng.below(50))
                       : kind < 9 ? static_cast<Time>(rng.below(70000))
                                  : static_cast<Time>(rng.below(10 * kHour)));
      q.push(at, EventType::kTimer, m.next);
      m.push(at);
    }
    if (!m.items.empty() && rng.below(2) == 0) {
      Event e{};
      ASSERT_TRUE(q.pop(kNoLimit, e));
      auto [t, n] = m.pop();
      ASSERT_EQ(e.time, t);
      ASSERT_EQ(e.a, n);
      now = e.time;
    }
  }
  while (!m.items.empty()) {
    Event e{};
    ASSERT_TRUE(q.pop(kNoLimit, e));
    auto [t, n] = m.pop();
    ASSERT_EQ(e.time, t);
    ASSERT_EQ(e.a, n);
  }
  Event e{};
  EXPECT_FALSE(q.pop(kNoLimit, e));
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, LeavesEventsAfterTheLimitQueued) {
  EventQueue q;
  q.push(100, EventType::kTimer, 1);
  q.push(5000, EventType::kTimer, 2);
  Event e{};
  ASSERT_TRUE(q.pop(1000, e));
  EXPECT_EQ(e.a, 1u);
  EXPECT_FALSE(q.pop(1000, e));
  EXPECT_EQ(q.size(), 1u);
  ASSERT_TRUE(q.pop(kNoLimit, e));
  EXPECT_EQ(e.a, 2u);
}

TEST(EventQueue, AnEventPushedForThePastFiresNow) {
  EventQueue q;
  q.push(10, EventType::kTimer, 1);
  Event e{};
  ASSERT_TRUE(q.pop(kNoLimit, e));
  q.push(3, EventType::kTimer, 2);
  ASSERT_TRUE(q.pop(kNoLimit, e));
  EXPECT_EQ(e.time, 10);
  EXPECT_EQ(e.a, 2u);
}

}  // namespace
}  // namespace checkride
