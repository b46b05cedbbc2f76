#pragma once

#include <algorithm>
#include <cstdint>

namespace murmur {

/// Slots (small integers naming, e.g., flows) in the order they were added,
/// the first few held inside the object: a flow network's link mostly
/// carries a handful of flows, and adding or removing one then touches the
/// link alone, not a separate allocation as well.
class slot_list {
public:
  slot_list() = default;
  slot_list(const slot_list&) = delete;
  slot_list& operator=(const slot_list&) = delete;
  ~slot_list() {
    if (on_heap())
      delete[] heap_;
  }

  const std::uint32_t* begin() const { return data(); }
  const std::uint32_t* end() const { return data() + size_; }
  std::uint32_t front() const { return data()[0]; }

  void push_back(std::uint32_t slot) {
    if (size_ == capacity_)
      grow();
    data()[size_++] = slot;
  }

  /// Removes `slot`, which must be in the list; the others keep their order.
  void erase(std::uint32_t slot) {
    auto* first = data();
    auto* at = std::find(first, first + size_, slot);
    std::copy(at + 1, first + size_, at);
    --size_;
  }

private:
  static constexpr std::uint32_t inline_slots = 4;

  bool on_heap() const { return capacity_ > inline_slots; }
  std::uint32_t* data() { return on_heap() ? heap_ : inline_; }
  const std::uint32_t* data() const { return on_heap() ? heap_ : inline_; }

  void grow() {
    auto* bigger = new std::uint32_t[2 * capacity_];
    std::copy(begin(), end(), bigger);
    if (on_heap())
      delete[] heap_;
    heap_ = bigger;
    capacity_ *= 2;
  }

  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = inline_slots;
  union {
    std::uint32_t inline_[inline_slots] = {};
    std::uint32_t* heap_;
  };
};

} // namespace murmur
