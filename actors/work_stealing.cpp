#include "actors/work_stealing.hpp"

namespace murmur {

void job_deque::grow_if_full() {
  if (size_.load() < ring_.size())
    return;
  std::vector<caf::resumable*> bigger(
    std::max<std::size_t>(64, 2 * ring_.size()));
  for (std::size_t k = 0; k < size_.load(); ++k)
    bigger[k] = ring_[slot(k)];
  ring_.swap(bigger);
  head_ = 0;
}

void job_deque::push_front(caf::resumable* job) {
  std::lock_guard<std::mutex> guard{mutex_};
  grow_if_full();
  head_ = (head_ + ring_.size() - 1) & (ring_.size() - 1);
  ring_[head_] = job;
  ++size_;
}

void job_deque::push_back(caf::resumable* job) {
  std::lock_guard<std::mutex> guard{mutex_};
  grow_if_full();
  ring_[slot(size_.load())] = job;
  ++size_;
}

caf::resumable* job_deque::pop(bool front) {
  if (empty())
    return nullptr; // the common idle poll, without taking the lock
  std::lock_guard<std::mutex> guard{mutex_};
  if (size_.load() == 0)
    return nullptr;
  auto at = front ? head_ : slot(size_.load() - 1);
  if (front)
    head_ = slot(1);
  --size_;
  return ring_[at];
}

} // namespace murmur
