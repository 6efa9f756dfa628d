// The ledger container behind every fake and the store: ids, retirement, bounded memory.
#include "protocol/retiring_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace checkride {
namespace {

TEST(RetiringTable, IssuesSequentialIdsAndFindsLiveObjects) {
  RetiringTable<std::string> t;
  EXPECT_EQ(t.add("a"), 1u);
  EXPECT_EQ(t.add("b"), 2u);
  ASSERT_NE(t.find(2), nullptr);
  EXPECT_EQ(*t.find(2), "b");
  EXPECT_EQ(t.find(0), nullptr);
  EXPECT_EQ(t.find(3), nullptr);
}

TEST(RetiringTable, RetiredObjectsAreGoneAndIdsAreNeverReused) {
  RetiringTable<int> t;
  t.add(10);
  t.add(20);
  t.retire(1);
  t.retire(1);  // twice is harmless
  EXPECT_EQ(t.find(1), nullptr);
  EXPECT_EQ(t.live(), 1u);
  EXPECT_EQ(t.add(30), 3u);
  EXPECT_EQ(t.issued(), 3u);
}

TEST(RetiringTable, PointersStayValidWhileTheTableGrows) {
  RetiringTable<int> t;
  t.add(7);
  int* first = t.find(1);
  for (int i = 0; i < 5000; ++i) t.add(i);
  EXPECT_EQ(t.find(1), first);
  EXPECT_EQ(*first, 7);
}

TEST(RetiringTable, VisitsLiveObjectsInIdOrder) {
  RetiringTable<int> t;
  for (int i = 1; i <= 2500; ++i) t.add(i);
  for (uint64_t id = 1; id <= 2500; id += 2) t.retire(id);
  std::vector<uint64_t> seen;
  t.for_each([&](uint64_t id, const int& v) {
    EXPECT_EQ(static_cast<uint64_t>(v), id);
    seen.push_back(id);
  });
  ASSERT_EQ(seen.size(), 1250u);
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1], seen[i]);
}

// Millions of short-lived objects with a few long-lived ones: what stays live is what is
// kept, which is the property a 10M-session run relies on.
TEST(RetiringTable, KeepsOnlyWhatIsLiveWhenMostObjectsRetire) {
  RetiringTable<std::vector<int>> t;
  uint64_t pinned = t.add(std::vector<int>(1, 1));  // lives the whole time
  for (int i = 0; i < 2000000; ++i) {
    uint64_t id = t.add(std::vector<int>(1, i));
    t.retire(id);
  }
  EXPECT_EQ(t.live(), 1u);
  EXPECT_LE(t.chunks_held(), 2u);  // the pinned object's chunk and the one being filled
  ASSERT_NE(t.find(pinned), nullptr);
  EXPECT_EQ(t.find(pinned)->front(), 1);
}

}  // namespace
}  // namespace checkride
