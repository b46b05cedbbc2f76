#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace murmur {

/// A binary min-heap of slots (small integers naming, e.g., pending events or
/// links) keyed by (key, id). Each slot's position is kept, so a key can move
/// or a slot leave in O(log n) without stale entries. Ties on key go to the
/// lower id, so the order never depends on the order of insertion.
class indexed_heap {
public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }

  bool contains(std::uint32_t slot) const {
    return slot < pos_.size() && pos_[slot] != absent;
  }

  /// The smallest slot and its key (the heap must not be empty).
  std::uint32_t top() const { return heap_.front().slot; }
  double top_key() const { return heap_.front().key; }

  /// Inserts `slot` or moves it to the new key.
  void set(std::uint32_t slot, double key, std::uint64_t id) {
    if (slot >= pos_.size())
      pos_.resize(slot + 1, absent);
    entry e{key, id, slot};
    if (pos_[slot] == absent) {
      heap_.push_back(e);
      sift_up(heap_.size() - 1, e);
      return;
    }
    auto i = pos_[slot];
    if (before(e, heap_[i]))
      sift_up(i, e);
    else
      sift_down(i, e);
  }

  void erase(std::uint32_t slot) {
    if (!contains(slot))
      return;
    auto i = pos_[slot];
    pos_[slot] = absent;
    auto last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size())
      return;
    if (i > 0 && before(last, heap_[(i - 1) / 2]))
      sift_up(i, last);
    else
      sift_down(i, last);
  }

  void pop() { erase(top()); }

private:
  static constexpr std::size_t absent = std::numeric_limits<std::size_t>::max();

  struct entry {
    double key;
    std::uint64_t id;
    std::uint32_t slot;
  };

  static bool before(const entry& a, const entry& b) {
    return a.key < b.key || (a.key == b.key && a.id < b.id);
  }

  void place(std::size_t i, const entry& e) {
    heap_[i] = e;
    pos_[e.slot] = i;
  }

  void sift_up(std::size_t i, const entry& e) {
    while (i > 0 && before(e, heap_[(i - 1) / 2])) {
      place(i, heap_[(i - 1) / 2]);
      i = (i - 1) / 2;
    }
    place(i, e);
  }

  void sift_down(std::size_t i, const entry& e) {
    for (;;) {
      auto child = 2 * i + 1;
      if (child >= heap_.size())
        break;
      if (child + 1 < heap_.size() && before(heap_[child + 1], heap_[child]))
        ++child;
      if (!before(heap_[child], e))
        break;
      place(i, heap_[child]);
      i = child;
    }
    place(i, e);
  }

  std::vector<entry> heap_;
  std::vector<std::size_t> pos_; ///< slot -> index in heap_, or absent
};

} // namespace murmur
