// A persistent (immutable, path-copying) ordered map with order statistics, for the
// tables a snapshot shares with the generations before and after it: a change makes
// O(log n) new nodes and shares every other node with the version it came from, so a
// snapshot of 100,000 articles does not copy a 100,000-entry table per change.
//
// An AVL tree of std::shared_ptr<const Node>; each node stores its subtree's size, so
// Rank and At are O(log n). Balancing is deterministic: the same operations give the
// same shape. A map value is one root pointer (plus the comparator): copying it is
// O(1) and the copy shares all nodes.
//
// Thread-safety: a map value is immutable. Any number of threads may read copies of a
// version while its owner builds new versions from it. A PersistentMap *object* is not
// atomic: assigning to one that another thread reads is a race, as for any
// shared_ptr; publish versions inside a snapshot swapped atomically. A node is freed by
// the thread that drops the last version sharing it.
//
// Set and Erase copy the key and value of the O(log n) nodes they rebuild: keep Key
// and Value cheap to copy (a std::shared_ptr<const T> for anything large).
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

namespace feedd::daemon {

template <typename Key, typename Value, typename Compare = std::less<Key>>
class PersistentMap {
  struct Node;
  using NodePtr = std::shared_ptr<const Node>;

 public:
  using key_type = Key;
  using mapped_type = Value;
  using value_type = std::pair<const Key, Value>;
  using size_type = size_t;

  // More than the longest root-to-leaf path of any tree that fits in memory: an AVL
  // tree of height h holds at least F(h+2)-1 nodes (F: Fibonacci), and F(88) > 1.1e18
  // nodes of 40+ bytes are more than a 64-bit address space holds.
  static constexpr int kMaxHeight = 86;

  // A bidirectional const iterator in key order. It holds the path from the root to
  // its entry (O(log n) raw pointers), no reference count: it and the references it gives
  // stay valid while the version it came from (or a copy of it) is alive. The end
  // iterator can be decremented to reach the last entry (std::reverse_iterator works).
  class Iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = PersistentMap::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    Iterator() = default;
    // Copies only the part of the path in use: std::reverse_iterator copies on every *.
    Iterator(const Iterator& other) : root_(other.root_), depth_(other.depth_) {
      std::copy_n(other.path_.begin(), depth_, path_.begin());
    }
    Iterator& operator=(const Iterator& other) {
      root_ = other.root_;
      depth_ = other.depth_;
      std::copy_n(other.path_.begin(), depth_, path_.begin());
      return *this;
    }

    reference operator*() const { return Top()->entry; }
    pointer operator->() const { return &Top()->entry; }

    Iterator& operator++() {
      const Node* n = Top();
      if (n->right) {
        Push(n->right.get());
        PushLeftmost();
      } else {
        // Climb while coming up from a right child; the parent reached from a left
        // child is next. Climbing past the root gives end().
        const Node* child;
        do {
          child = path_[--depth_];
        } while (depth_ > 0 && path_[depth_ - 1]->right.get() == child);
      }
      return *this;
    }
    Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }

    // Decrementing begin() is undefined, as for the standard containers.
    Iterator& operator--() {
      if (depth_ == 0) {  // end(): the last entry
        Push(root_);
        PushRightmost();
        return *this;
      }
      const Node* n = Top();
      if (n->left) {
        Push(n->left.get());
        PushRightmost();
      } else {
        const Node* child;
        do {
          child = path_[--depth_];
        } while (depth_ > 0 && path_[depth_ - 1]->left.get() == child);
      }
      return *this;
    }
    Iterator operator--(int) {
      Iterator old = *this;
      --*this;
      return old;
    }

    // Iterators of different versions compare unequal unless both are end().
    friend bool operator==(const Iterator& a, const Iterator& b) {
      return a.Current() == b.Current();
    }

   private:
    friend class PersistentMap;

    explicit Iterator(const Node* root) : root_(root) {}
    const Node* Current() const { return depth_ == 0 ? nullptr : path_[depth_ - 1]; }
    const Node* Top() const {
      assert(depth_ > 0 && "dereferencing or advancing end()");
      return path_[depth_ - 1];
    }
    void Push(const Node* n) {
      assert(depth_ < kMaxHeight);
      path_[depth_++] = n;
    }
    void PushLeftmost() {
      while (const Node* left = Top()->left.get()) Push(left);
    }
    void PushRightmost() {
      while (const Node* right = Top()->right.get()) Push(right);
    }

    const Node* root_ = nullptr;                // for --end()
    int depth_ = 0;                             // 0: end()
    std::array<const Node*, kMaxHeight> path_;  // only [0, depth_) is set
  };
  using const_iterator = Iterator;
  using iterator = Iterator;
  using reverse_iterator = std::reverse_iterator<Iterator>;
  using const_reverse_iterator = reverse_iterator;

  PersistentMap() = default;
  explicit PersistentMap(Compare comp) : comp_(std::move(comp)) {}

  // Builds the map the entries would give if Set one after the other. O(n) when their
  // keys are strictly ascending (the cold-start case, checked); otherwise they are
  // sorted first, and the last of equal keys wins.
  [[nodiscard]] static PersistentMap FromSorted(std::vector<std::pair<Key, Value>> entries,
                                                Compare comp = Compare()) {
    PersistentMap map(std::move(comp));
    const Compare& less = map.comp_;
    auto key_less = [&less](const std::pair<Key, Value>& a, const std::pair<Key, Value>& b) {
      return less(a.first, b.first);
    };
    if (std::adjacent_find(entries.begin(), entries.end(),
                           [&key_less](const auto& a, const auto& b) { return !key_less(a, b); }) !=
        entries.end()) {
      std::stable_sort(entries.begin(), entries.end(), key_less);
      // Of each run of equal keys keep the last: move it over the first.
      auto out = entries.begin();
      for (auto in = entries.begin(); in != entries.end(); ++in) {
        if (out != entries.begin() && !key_less(*std::prev(out), *in)) {
          *std::prev(out) = std::move(*in);
        } else {
          if (out != in) *out = std::move(*in);
          ++out;
        }
      }
      entries.erase(out, entries.end());
    }
    map.root_ = BuildBalanced(entries.data(), entries.size());
    return map;
  }

  size_t size() const { return Size(root_.get()); }
  bool empty() const { return root_ == nullptr; }
  // The height of the tree, 0 when empty; at most 1.44 log2(size() + 2).
  int height() const { return Height(root_.get()); }

  // A new version with key mapped to value; an existing key keeps its stored key
  // object and gets the new value. O(log n) time and new nodes.
  [[nodiscard]] PersistentMap Set(Key key, Value value) const {
    PersistentMap next(comp_);
    next.root_ = Insert(root_, key, value);
    return next;
  }

  // A new version without key; shares the whole tree (no new node) when key is
  // absent. O(log n) time and new nodes.
  [[nodiscard]] PersistentMap Erase(const Key& key) const {
    PersistentMap next(comp_);
    next.root_ = Remove(root_, key);
    return next;
  }

  // The value of key, or null. The pointer is valid while this version is alive.
  const Value* Find(const Key& key) const {
    const Node* n = root_.get();
    while (n != nullptr) {
      if (comp_(key, n->entry.first)) {
        n = n->left.get();
      } else if (comp_(n->entry.first, key)) {
        n = n->right.get();
      } else {
        return &n->entry.second;
      }
    }
    return nullptr;
  }
  bool Contains(const Key& key) const { return Find(key) != nullptr; }

  // The number of keys less than key: the position of key if present, else the
  // position it would take.
  size_t Rank(const Key& key) const {
    size_t rank = 0;
    const Node* n = root_.get();
    while (n != nullptr) {
      if (comp_(n->entry.first, key)) {
        rank += Size(n->left.get()) + 1;
        n = n->right.get();
      } else {
        n = n->left.get();
      }
    }
    return rank;
  }

  // The entry at position index in key order; index < size() (asserted).
  const value_type& At(size_t index) const {
    assert(index < size());
    const Node* n = root_.get();
    for (;;) {
      const size_t left = Size(n->left.get());
      if (index < left) {
        n = n->left.get();
      } else if (index == left) {
        return n->entry;
      } else {
        index -= left + 1;
        n = n->right.get();
      }
    }
  }

  Iterator begin() const {
    Iterator it(root_.get());
    if (root_ != nullptr) {
      it.Push(root_.get());
      it.PushLeftmost();
    }
    return it;
  }
  Iterator end() const { return Iterator(root_.get()); }
  reverse_iterator rbegin() const { return reverse_iterator(end()); }
  reverse_iterator rend() const { return reverse_iterator(begin()); }

  // The iterator at position index; end() when index >= size().
  Iterator IteratorAt(size_t index) const {
    Iterator it(root_.get());
    if (index >= size()) return it;
    const Node* n = root_.get();
    for (;;) {
      it.Push(n);
      const size_t left = Size(n->left.get());
      if (index < left) {
        n = n->left.get();
      } else if (index == left) {
        return it;
      } else {
        index -= left + 1;
        n = n->right.get();
      }
    }
  }

  // The first entry whose key is not less than key, or end().
  Iterator LowerBound(const Key& key) const {
    return Bound(key, [this](const Key& probe, const Key& k) { return !comp_(probe, k); });
  }
  // The first entry whose key is greater than key, or end().
  Iterator UpperBound(const Key& key) const {
    return Bound(key, [this](const Key& probe, const Key& k) { return comp_(k, probe); });
  }

  // Checks the tree: keys strictly ascending, sizes and heights right, AVL balance.
  // O(n); for tests and assert()s.
  bool CheckInvariants() const {
    const Node* prev = nullptr;
    return Check(root_.get(), &prev);
  }

 private:
  struct Node {
    Node(value_type e, NodePtr l, NodePtr r)
        : entry(std::move(e)),
          left(std::move(l)),
          right(std::move(r)),
          size(1 + Size(left.get()) + Size(right.get())),
          height(1 + std::max(Height(left.get()), Height(right.get()))) {}

    // Destroying a node releases its children recursively: as deep as the tree is
    // high, a few dozen frames for any size.
    value_type entry;
    NodePtr left;
    NodePtr right;
    size_t size;
    int height;  // 1 for a leaf
  };

  static size_t Size(const Node* n) { return n == nullptr ? 0 : n->size; }
  static int Height(const Node* n) { return n == nullptr ? 0 : n->height; }

  static NodePtr New(value_type entry, NodePtr left, NodePtr right) {
    return std::make_shared<Node>(std::move(entry), std::move(left), std::move(right));
  }

  // A node for entry over left and right, whose heights differ by at most 2,
  // rotated so that they differ by at most 1.
  static NodePtr Balance(const value_type& entry, NodePtr left, NodePtr right) {
    const int hl = Height(left.get());
    const int hr = Height(right.get());
    if (hl > hr + 1) {
      const Node& l = *left;
      if (Height(l.left.get()) >= Height(l.right.get()))  // single right rotation
        return New(l.entry, l.left, New(entry, l.right, std::move(right)));
      const Node& lr = *l.right;  // left-right: double rotation
      return New(lr.entry, New(l.entry, l.left, lr.left), New(entry, lr.right, std::move(right)));
    }
    if (hr > hl + 1) {
      const Node& r = *right;
      if (Height(r.right.get()) >= Height(r.left.get()))  // single left rotation
        return New(r.entry, New(entry, std::move(left), r.left), r.right);
      const Node& rl = *r.left;  // right-left: double rotation
      return New(rl.entry, New(entry, std::move(left), rl.left), New(r.entry, rl.right, r.right));
    }
    return New(entry, std::move(left), std::move(right));
  }

  // Recursion depth: the tree's height.
  NodePtr Insert(const NodePtr& n, Key& key, Value& value) const {
    if (n == nullptr) return New(value_type(std::move(key), std::move(value)), nullptr, nullptr);
    if (comp_(key, n->entry.first)) return Balance(n->entry, Insert(n->left, key, value), n->right);
    if (comp_(n->entry.first, key)) return Balance(n->entry, n->left, Insert(n->right, key, value));
    return New(value_type(n->entry.first, std::move(value)), n->left, n->right);
  }

  // Returns n itself when key is absent beneath it, so nothing is rebuilt.
  NodePtr Remove(const NodePtr& n, const Key& key) const {
    if (n == nullptr) return nullptr;
    if (comp_(key, n->entry.first)) {
      NodePtr left = Remove(n->left, key);
      if (left == n->left) return n;
      return Balance(n->entry, std::move(left), n->right);
    }
    if (comp_(n->entry.first, key)) {
      NodePtr right = Remove(n->right, key);
      if (right == n->right) return n;
      return Balance(n->entry, n->left, std::move(right));
    }
    if (n->left == nullptr) return n->right;
    if (n->right == nullptr) return n->left;
    // Two children: the successor takes this node's place. n->right keeps it alive.
    const Node* successor = n->right.get();
    while (successor->left != nullptr) successor = successor->left.get();
    return Balance(successor->entry, n->left, RemoveMin(n->right));
  }

  static NodePtr RemoveMin(const NodePtr& n) {
    if (n->left == nullptr) return n->right;
    return Balance(n->entry, RemoveMin(n->left), n->right);
  }

  // A perfectly balanced tree of entries[0, count), moved from; recursion depth log2(n).
  static NodePtr BuildBalanced(std::pair<Key, Value>* entries, size_t count) {
    if (count == 0) return nullptr;
    const size_t mid = count / 2;
    NodePtr left = BuildBalanced(entries, mid);
    NodePtr right = BuildBalanced(entries + mid + 1, count - mid - 1);
    return New(value_type(std::move(entries[mid].first), std::move(entries[mid].second)),
               std::move(left), std::move(right));
  }

  // The path to the first entry for which goes_left(its key, key) holds, or end().
  // goes_left must be monotonic in key order: false, ..., false, true, ..., true.
  template <typename GoesLeft>
  Iterator Bound(const Key& key, GoesLeft goes_left) const {
    Iterator it(root_.get());
    int found_depth = 0;  // the path up to the last candidate
    for (const Node* n = root_.get(); n != nullptr;) {
      it.Push(n);
      if (goes_left(n->entry.first, key)) {
        found_depth = it.depth_;
        n = n->left.get();
      } else {
        n = n->right.get();
      }
    }
    it.depth_ = found_depth;
    return it;
  }

  bool Check(const Node* n, const Node** prev) const {
    if (n == nullptr) return true;
    if (!Check(n->left.get(), prev)) return false;
    if (*prev != nullptr && !comp_((*prev)->entry.first, n->entry.first)) return false;
    *prev = n;
    if (!Check(n->right.get(), prev)) return false;
    const int hl = Height(n->left.get());
    const int hr = Height(n->right.get());
    return n->size == 1 + Size(n->left.get()) + Size(n->right.get()) &&
           n->height == 1 + std::max(hl, hr) && hl - hr <= 1 && hr - hl <= 1;
  }

  NodePtr root_;
  [[no_unique_address]] Compare comp_;
};

}  // namespace feedd::daemon
