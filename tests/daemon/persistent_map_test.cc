#include "daemon/publish/persistent_map.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

using IntMap = PersistentMap<int, int>;
using Pairs = std::vector<std::pair<int, int>>;
static_assert(std::bidirectional_iterator<IntMap::Iterator>);

// The AVL bound: a tree of n nodes is at most 1.4405 log2(n + 2) - 0.3277 high.
int MaxAvlHeight(size_t n) {
  return static_cast<int>(1.4405 * std::log2(n + 2.0) - 0.3277);
}

std::vector<std::pair<int, int>> Entries(const IntMap& map) {
  std::vector<std::pair<int, int>> out;
  for (const auto& [key, value] : map) out.emplace_back(key, value);
  return out;
}

std::vector<std::pair<int, int>> ReverseEntries(const IntMap& map) {
  std::vector<std::pair<int, int>> out;
  for (IntMap::reverse_iterator it = map.rbegin(); it != map.rend(); ++it)
    out.emplace_back(it->first, it->second);
  return out;
}

IntMap Ascending(int count) {
  IntMap map;
  for (int i = 0; i < count; ++i) map = map.Set(i, 10 * i);
  return map;
}

// A value that counts its copies: path copying copies the entries it rebuilds.
struct Counted {
  explicit Counted(int v) : value(v) {}
  Counted(const Counted& other) : value(other.value) { ++copies; }
  Counted(Counted&&) = default;
  Counted& operator=(const Counted& other) {
    value = other.value;
    ++copies;
    return *this;
  }
  Counted& operator=(Counted&&) = default;
  int value;
  static inline int copies = 0;
};

TEST(PersistentMapTest, EmptyMap) {
  IntMap map;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(0u, map.size());
  EXPECT_EQ(0, map.height());
  EXPECT_TRUE(map.begin() == map.end());
  EXPECT_TRUE(map.rbegin() == map.rend());
  EXPECT_EQ(nullptr, map.Find(1));
  EXPECT_EQ(0u, map.Rank(1));
  EXPECT_TRUE(map.IteratorAt(0) == map.end());
  EXPECT_TRUE(map.LowerBound(1) == map.end());
  EXPECT_TRUE(map.UpperBound(1) == map.end());
  EXPECT_TRUE(map.Erase(1).empty());
  EXPECT_TRUE(map.CheckInvariants());
}

TEST(PersistentMapTest, SetAndEraseTable) {
  struct Op {
    bool set;  // else erase
    int key;
    int value;
    std::vector<std::pair<int, int>> want;  // the contents after the op
  };
  const std::vector<Op> ops = {
      {true, 5, 50, {{5, 50}}},
      {true, 3, 30, {{3, 30}, {5, 50}}},
      {true, 8, 80, {{3, 30}, {5, 50}, {8, 80}}},
      {true, 5, 51, {{3, 30}, {5, 51}, {8, 80}}},  // replaces
      {false, 4, 0, {{3, 30}, {5, 51}, {8, 80}}},  // absent: no-op
      {true, 1, 10, {{1, 10}, {3, 30}, {5, 51}, {8, 80}}},
      {false, 5, 0, {{1, 10}, {3, 30}, {8, 80}}},  // an inner node
      {false, 1, 0, {{3, 30}, {8, 80}}},           // a leaf
      {false, 3, 0, {{8, 80}}},
      {false, 8, 0, {}},
      {false, 8, 0, {}},
      {true, 2, 20, {{2, 20}}},
  };
  IntMap map;
  std::vector<IntMap> versions;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    map = op.set ? map.Set(op.key, op.value) : map.Erase(op.key);
    versions.push_back(map);
    EXPECT_EQ(op.want, Entries(map)) << "op " << i;
    EXPECT_EQ(op.want.size(), map.size()) << "op " << i;
    EXPECT_TRUE(map.CheckInvariants()) << "op " << i;
  }
  for (size_t i = 0; i < ops.size(); ++i)  // every version kept its contents
    EXPECT_EQ(ops[i].want, Entries(versions[i])) << "version " << i;
}

TEST(PersistentMapTest, SetLeavesTheOriginalUnchanged) {
  const IntMap a = IntMap().Set(1, 10).Set(2, 20);
  const IntMap b = a.Set(2, 21).Set(3, 30);
  const IntMap c = b.Erase(1);
  EXPECT_EQ((std::vector<std::pair<int, int>>{{1, 10}, {2, 20}}), Entries(a));
  EXPECT_EQ((std::vector<std::pair<int, int>>{{1, 10}, {2, 21}, {3, 30}}), Entries(b));
  EXPECT_EQ((std::vector<std::pair<int, int>>{{2, 21}, {3, 30}}), Entries(c));
  ASSERT_NE(nullptr, a.Find(2));
  EXPECT_EQ(20, *a.Find(2));
  EXPECT_EQ(nullptr, a.Find(3));
}

TEST(PersistentMapTest, FindRankAndAt) {
  const IntMap map = IntMap().Set(40, 4).Set(10, 1).Set(30, 3).Set(20, 2);
  struct Case {
    int key;
    std::optional<int> value;
    size_t rank;
  };
  const Case cases[] = {
      {5, std::nullopt, 0}, {10, 1, 0}, {15, std::nullopt, 1}, {20, 2, 1},
      {30, 3, 2},           {40, 4, 3}, {45, std::nullopt, 4},
  };
  for (const Case& c : cases) {
    const int* found = map.Find(c.key);
    EXPECT_EQ(c.value.has_value(), found != nullptr) << c.key;
    if (found != nullptr && c.value) {
      EXPECT_EQ(*c.value, *found) << c.key;
    }
    EXPECT_EQ(c.value.has_value(), map.Contains(c.key)) << c.key;
    EXPECT_EQ(c.rank, map.Rank(c.key)) << c.key;
  }
  for (size_t i = 0; i < map.size(); ++i) {
    EXPECT_EQ(static_cast<int>(10 * (i + 1)), map.At(i).first);
    EXPECT_EQ(static_cast<int>(i + 1), map.At(i).second);
  }
}

TEST(PersistentMapTest, LowerAndUpperBound) {
  const IntMap map = IntMap().Set(10, 1).Set(20, 2).Set(30, 3);
  struct Case {
    int key;
    std::optional<int> lower;  // nullopt: end()
    std::optional<int> upper;
  };
  const Case cases[] = {
      {5, 10, 10},  {10, 10, 20},           {15, 20, 20},
      {20, 20, 30}, {30, 30, std::nullopt}, {35, std::nullopt, std::nullopt},
  };
  for (const Case& c : cases) {
    IntMap::Iterator lower = map.LowerBound(c.key);
    IntMap::Iterator upper = map.UpperBound(c.key);
    if (c.lower) {
      ASSERT_TRUE(lower != map.end()) << c.key;
      EXPECT_EQ(*c.lower, lower->first) << c.key;
    } else {
      EXPECT_TRUE(lower == map.end()) << c.key;
    }
    if (c.upper) {
      ASSERT_TRUE(upper != map.end()) << c.key;
      EXPECT_EQ(*c.upper, upper->first) << c.key;
    } else {
      EXPECT_TRUE(upper == map.end()) << c.key;
    }
  }
}

TEST(PersistentMapTest, IteratesBothWays) {
  const IntMap map = Ascending(100);
  std::vector<std::pair<int, int>> want;
  for (int i = 0; i < 100; ++i) want.emplace_back(i, 10 * i);
  EXPECT_EQ(want, Entries(map));
  std::vector<std::pair<int, int>> reversed(want.rbegin(), want.rend());
  EXPECT_EQ(reversed, ReverseEntries(map));

  // Newest first from a position: back from IteratorAt(i) to the beginning.
  for (size_t start : {0u, 1u, 50u, 99u}) {
    IntMap::Iterator it = map.IteratorAt(start);
    std::vector<int> keys;
    for (;;) {
      keys.push_back(it->first);
      if (it == map.begin()) break;
      --it;
    }
    ASSERT_EQ(start + 1, keys.size());
    for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(static_cast<int>(start - i), keys[i]);
  }
  IntMap::Iterator last = map.end();
  --last;
  EXPECT_EQ(99, last->first);
  ++last;
  EXPECT_TRUE(last == map.end());
  IntMap::Iterator post = map.begin();
  EXPECT_EQ(0, (post++)->first);
  EXPECT_EQ(1, post->first);
  EXPECT_EQ(1, (post--)->first);
  EXPECT_TRUE(post == map.begin());
  EXPECT_TRUE(map.IteratorAt(100) == map.end());
  EXPECT_EQ(100, std::distance(map.begin(), map.end()));
}

TEST(PersistentMapTest, IteratorOfAnOldVersionOutlivesTheVariable) {
  IntMap map = Ascending(1000);
  const IntMap kept = map;  // as a reader's snapshot holds it
  IntMap::Iterator it = kept.IteratorAt(500);
  for (int i = 0; i < 1000; ++i) map = map.Erase(i);  // the owner moves on
  EXPECT_TRUE(map.empty());
  int expected = 500;
  for (; it != kept.end(); ++it) EXPECT_EQ(expected++, it->first);
  EXPECT_EQ(1000, expected);
}

TEST(PersistentMapTest, CustomComparator) {
  using Desc = PersistentMap<std::string, int, std::greater<std::string>>;
  const Desc map = Desc().Set("b", 2).Set("a", 1).Set("c", 3);
  std::vector<std::string> keys;
  for (const auto& entry : map) keys.push_back(entry.first);
  EXPECT_EQ((std::vector<std::string>{"c", "b", "a"}), keys);
  EXPECT_EQ(2u, map.Rank("a"));  // "c" and "b" come before it
  EXPECT_EQ("b", map.LowerBound("bb")->first);
  EXPECT_EQ("a", map.UpperBound("b")->first);
}

TEST(PersistentMapTest, ChangesCopyOnlyAPath) {
  using CountedMap = PersistentMap<int, Counted>;
  std::vector<std::pair<int, Counted>> entries;
  for (int i = 0; i < 100000; ++i) entries.emplace_back(2 * i, Counted(i));  // even keys
  Counted::copies = 0;
  CountedMap map = CountedMap::FromSorted(std::move(entries));
  EXPECT_EQ(0, Counted::copies);  // moved in
  const int height = map.height();
  EXPECT_EQ(17, height);  // perfectly balanced: floor(log2(100000)) + 1

  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    const int key = static_cast<int>(rng() % 200000);
    Counted::copies = 0;
    const CountedMap copy = map;
    EXPECT_EQ(0, Counted::copies);
    CountedMap next = map.Set(key, Counted(-1));
    EXPECT_LE(Counted::copies, 2 * map.height()) << key;
    Counted::copies = 0;
    next = next.Erase(key ^ 1);  // present or not
    EXPECT_LE(Counted::copies, 3 * map.height() + 1) << key;
    map = next;
  }
  Counted::copies = 0;
  const CountedMap same = map.Erase(-5);  // absent: shares the tree
  EXPECT_EQ(0, Counted::copies);
  EXPECT_EQ(map.size(), same.size());
}

TEST(PersistentMapTest, StaysBalancedUnderSortedInsertsAndErases) {
  IntMap up = Ascending(100000);
  EXPECT_LE(up.height(), MaxAvlHeight(up.size()));
  EXPECT_TRUE(up.CheckInvariants());
  IntMap down;
  for (int i = 100000; i > 0; --i) down = down.Set(i, i);
  EXPECT_LE(down.height(), MaxAvlHeight(down.size()));
  EXPECT_TRUE(down.CheckInvariants());
  for (int i = 0; i < 90000; ++i) up = up.Erase(i);  // from the front
  EXPECT_EQ(10000u, up.size());
  EXPECT_LE(up.height(), MaxAvlHeight(up.size()));
  EXPECT_TRUE(up.CheckInvariants());
  EXPECT_EQ(90000, up.At(0).first);
}

TEST(PersistentMapTest, SameOperationsGiveTheSameShape) {
  std::mt19937 rng(11);
  std::vector<std::pair<bool, int>> ops;
  for (int i = 0; i < 5000; ++i) ops.emplace_back(rng() % 3 != 0, static_cast<int>(rng() % 2000));
  auto run = [&ops] {
    IntMap map;
    std::vector<int> heights;
    for (const auto& [set, key] : ops) {
      map = set ? map.Set(key, key) : map.Erase(key);
      heights.push_back(map.height());
    }
    return heights;
  };
  EXPECT_EQ(run(), run());
}

TEST(PersistentMapTest, FromSorted) {
  std::vector<std::pair<int, int>> entries;
  for (int i = 0; i < 1000; ++i) entries.emplace_back(3 * i, i);
  const IntMap built = IntMap::FromSorted(entries);
  EXPECT_EQ(entries, Entries(built));
  EXPECT_EQ(10, built.height());  // floor(log2(1000)) + 1: perfectly balanced
  EXPECT_TRUE(built.CheckInvariants());
  EXPECT_EQ(1000u, built.size());
  EXPECT_EQ(500u, built.Rank(1500));
  // It is an ordinary version: changes go on from it.
  const IntMap next = built.Set(1, -1).Erase(0);
  EXPECT_TRUE(next.CheckInvariants());
  EXPECT_EQ(1, next.At(0).first);
  EXPECT_EQ(entries, Entries(built));

  EXPECT_TRUE(IntMap::FromSorted({}).empty());
  EXPECT_EQ((std::vector<std::pair<int, int>>{{7, 1}}), Entries(IntMap::FromSorted({{7, 1}})));
}

TEST(PersistentMapTest, FromSortedOfUnsortedInputActsAsSets) {
  const std::vector<std::pair<int, int>> entries = {{5, 1}, {2, 2}, {5, 3}, {9, 4},
                                                    {2, 5}, {1, 6}, {5, 7}};
  IntMap by_set;
  for (const auto& [key, value] : entries) by_set = by_set.Set(key, value);
  const IntMap built = IntMap::FromSorted(entries);
  EXPECT_EQ((std::vector<std::pair<int, int>>{{1, 6}, {2, 5}, {5, 7}, {9, 4}}), Entries(built));
  EXPECT_EQ(Entries(by_set), Entries(built));
  EXPECT_TRUE(built.CheckInvariants());
}

void* DestroyMap(void* map) {
  static_cast<std::optional<IntMap>*>(map)->reset();
  return nullptr;
}

TEST(PersistentMapTest, DestroyingAMillionEntriesFitsASmallStack) {
  std::vector<std::pair<int, int>> entries;
  for (int i = 0; i < 1000000; ++i) entries.emplace_back(2 * i, i);
  std::optional<IntMap> map = IntMap::FromSorted(std::move(entries));
  for (int i = 0; i < 2000; ++i) map = map->Set(2 * i + 1, i).Erase(4 * i);  // reshaped
  ASSERT_EQ(1000000u, map->size());
  ASSERT_LE(map->height(), MaxAvlHeight(map->size()));
  // Released on a thread with a 256 KiB stack, a thirtieth of the usual 8 MiB: a
  // chain of a million nodes released recursively would need far more.
  pthread_attr_t attr;
  ASSERT_EQ(0, pthread_attr_init(&attr));
  ASSERT_EQ(0, pthread_attr_setstacksize(&attr, 256 << 10));
  pthread_t thread;
  ASSERT_EQ(0, pthread_create(&thread, &attr, DestroyMap, &map));
  ASSERT_EQ(0, pthread_join(thread, nullptr));
  pthread_attr_destroy(&attr);
  EXPECT_FALSE(map.has_value());
}

// Compares everything observable against the reference, in O(n log n).
void ExpectSameAs(const std::map<int, int>& ref, const IntMap& map, const std::string& where) {
  ASSERT_EQ(ref.size(), map.size()) << where;
  ASSERT_EQ(ref.empty(), map.empty()) << where;
  ASSERT_TRUE(map.CheckInvariants()) << where;
  ASSERT_EQ(Pairs(ref.begin(), ref.end()), Entries(map)) << where;
  ASSERT_EQ(Pairs(ref.rbegin(), ref.rend()), ReverseEntries(map)) << where;
  size_t index = 0;
  for (const auto& [key, value] : ref) {
    ASSERT_EQ(index, map.Rank(key)) << where;
    ASSERT_EQ(key, map.At(index).first) << where;
    ASSERT_EQ(key, map.IteratorAt(index)->first) << where;
    const int* found = map.Find(key);
    ASSERT_NE(nullptr, found) << where;
    ASSERT_EQ(value, *found) << where;
    ++index;
  }
}

TEST(PersistentMapTest, RandomOperationsMatchStdMap) {
  constexpr int kSteps = 40000;
  constexpr int kKeys = 1000;
  std::mt19937 rng(20240601);
  IntMap map;
  std::map<int, int> ref;
  std::vector<std::pair<IntMap, std::map<int, int>>> versions;
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };

  for (int step = 0; step < kSteps; ++step) {
    const std::string where = "step " + std::to_string(step);
    // Grow in the first half, shrink in the second, so sizes sweep 0..kKeys.
    const int set_percent = step < kSteps / 2 ? 70 : 35;
    const int key = pick(kKeys) - 10;  // a few negative keys
    if (pick(100) < set_percent) {
      const int value = pick(1 << 20);
      map = map.Set(key, value);
      ref.insert_or_assign(key, value);
    } else {
      map = map.Erase(key);
      ref.erase(key);
    }

    ASSERT_EQ(ref.size(), map.size()) << where;
    ASSERT_EQ(ref.count(key) != 0, map.Find(key) != nullptr) << where;
    if (ref.count(key) != 0) {
      ASSERT_EQ(ref.at(key), *map.Find(key)) << where;
    }
    ASSERT_TRUE(std::equal(ref.begin(), ref.end(), map.begin(), map.end())) << where;
    ASSERT_TRUE(std::equal(ref.rbegin(), ref.rend(), map.rbegin(), map.rend())) << where;
    ASSERT_TRUE(map.CheckInvariants()) << where;

    const int probe = pick(kKeys + 20) - 20;
    std::map<int, int>::const_iterator lower = ref.lower_bound(probe);
    std::map<int, int>::const_iterator upper = ref.upper_bound(probe);
    ASSERT_EQ(static_cast<size_t>(std::distance(ref.cbegin(), lower)), map.Rank(probe)) << where;
    IntMap::Iterator map_lower = map.LowerBound(probe);
    IntMap::Iterator map_upper = map.UpperBound(probe);
    ASSERT_EQ(lower == ref.end(), map_lower == map.end()) << where;
    if (lower != ref.end()) {
      ASSERT_EQ(*lower, *map_lower) << where;
    }
    ASSERT_EQ(upper == ref.end(), map_upper == map.end()) << where;
    if (upper != ref.end()) {
      ASSERT_EQ(*upper, *map_upper) << where;
    }

    if (!ref.empty()) {
      const size_t index = static_cast<size_t>(pick(static_cast<int>(ref.size())));
      std::map<int, int>::const_iterator at = std::next(ref.cbegin(), index);
      ASSERT_EQ(*at, map.At(index)) << where;
      // A few steps back from that position, as a newest-first page walks.
      IntMap::Iterator it = map.IteratorAt(index);
      for (int back = 0; back < 5; ++back) {
        ASSERT_EQ(*at, *it) << where;
        if (at == ref.cbegin()) break;
        --at;
        --it;
      }
    }

    if (step % 500 == 0) versions.emplace_back(map, ref);
    if (step % 5000 == 0) {  // the older versions did not move
      for (size_t v = 0; v < versions.size(); ++v)
        ExpectSameAs(versions[v].second, versions[v].first,
                     where + ", version " + std::to_string(v));
    }
  }
  ExpectSameAs(ref, map, "final");
  for (size_t v = 0; v < versions.size(); ++v)
    ExpectSameAs(versions[v].second, versions[v].first, "final, version " + std::to_string(v));
}

TEST(PersistentMapTest, RandomStringKeysMatchStdMapInReverseOrder) {
  using Map = PersistentMap<std::string, std::string, std::greater<std::string>>;
  using Ref = std::map<std::string, std::string, std::greater<std::string>>;
  std::mt19937 rng(99);
  Map map;
  Ref ref;
  std::vector<std::pair<Map, Ref>> versions;
  for (int step = 0; step < 20000; ++step) {
    const std::string key = "k" + std::to_string(rng() % 3000);
    if (rng() % 100 < 60) {
      const std::string value = "v" + std::to_string(step);
      map = map.Set(key, value);
      ref.insert_or_assign(key, value);
    } else {
      map = map.Erase(key);
      ref.erase(key);
    }
    ASSERT_EQ(ref.size(), map.size()) << step;
    const Map::value_type* first = map.empty() ? nullptr : &*map.begin();
    ASSERT_EQ(ref.empty(), first == nullptr) << step;
    if (first != nullptr) {
      ASSERT_EQ(*ref.begin(), *first) << step;
    }
    const std::string probe = "k" + std::to_string(rng() % 3000);
    ASSERT_EQ(static_cast<size_t>(std::distance(ref.begin(), ref.lower_bound(probe))),
              map.Rank(probe))
        << step;
    if (step % 1000 == 0) {
      ASSERT_TRUE(map.CheckInvariants()) << step;
      ASSERT_TRUE(std::equal(ref.begin(), ref.end(), map.begin(), map.end())) << step;
      versions.emplace_back(map, ref);
    }
  }
  for (const auto& [old_map, old_ref] : versions) {
    EXPECT_EQ(old_ref.size(), old_map.size());
    EXPECT_TRUE(std::equal(old_ref.begin(), old_ref.end(), old_map.begin(), old_map.end()));
    EXPECT_TRUE(std::equal(old_ref.rbegin(), old_ref.rend(), old_map.rbegin(), old_map.rend()));
  }
}

// Version k holds keys 0..k-1, each mapped to twice itself. Returns whether it does.
bool IsVersion(const IntMap& map) {
  int expected = 0;
  for (const auto& [key, value] : map) {
    if (key != expected || value != 2 * key) return false;
    ++expected;
  }
  return static_cast<size_t>(expected) == map.size() && map.Rank(expected) == map.size() &&
         map.Find(expected) == nullptr;
}

TEST(PersistentMapTest, ReadersOnOtherThreadsSeeWholeVersions) {
  // A mutex, not std::atomic<std::shared_ptr>: ThreadSanitizer does not see through
  // libstdc++ 12's lock bit there, and what is tested is the map, not the swap.
  std::mutex mutex;
  IntMap current;  // guarded by mutex
  auto load = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return current;  // O(1): one root pointer
  };
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  auto reader = [&] {
    const IntMap first = load();
    const size_t first_size = first.size();
    do {
      const IntMap map = load();
      if (!IsVersion(map)) bad.fetch_add(1);
    } while (!done.load());
    if (first.size() != first_size || !IsVersion(first)) bad.fetch_add(1);  // kept intact
  };
  std::thread r1(reader);
  std::thread r2(reader);
  IntMap map;
  for (int k = 0; k < 3000; ++k) {
    map = map.Set(k, 2 * k);
    std::lock_guard<std::mutex> lock(mutex);
    current = map;
  }
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(0, bad.load());
  EXPECT_TRUE(IsVersion(map));
}

}  // namespace
}  // namespace feedd::daemon
