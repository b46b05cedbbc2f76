#pragma once

#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace murmur {

/// One worker's jobs: a ring buffer under a mutex. The worker takes from the
/// front, thieves take from the back, both in O(1), and nothing is allocated
/// once the ring has grown to the largest backlog.
///
/// CAF 0.17.6's own queue allocates a node per job and finds the new back
/// after a steal by walking the list from the front, holding both of the
/// victim's locks: with 100,000 agents queued, one steal walked ~50,000 nodes
/// and stealing took most of a worker's time.
class job_deque {
public:
  void push_front(caf::resumable* job);
  void push_back(caf::resumable* job);
  caf::resumable* pop_front() { return pop(true); } ///< nullptr when empty
  caf::resumable* pop_back() { return pop(false); } ///< nullptr when empty
  /// Without the lock: may be stale, for deciding whether to sleep.
  bool empty() const { return size_.load() == 0; }

private:
  std::size_t slot(std::size_t k) const {
    return (head_ + k) & (ring_.size() - 1);
  }
  void grow_if_full(); ///< doubles the ring; under the lock
  caf::resumable* pop(bool front);

  std::mutex mutex_;
  std::vector<caf::resumable*> ring_; ///< a power of two in size
  std::size_t head_ = 0;              ///< index of the front job
  std::atomic<std::size_t> size_{0};
};

/// CAF scheduler policy: work stealing as in CAF's default (each worker runs
/// its own queue, newest internal job first; an idle worker steals the job at
/// the back of another worker's queue, the one its owner would run last,
/// trying the other workers in turn; polling, then short sleeps, then a
/// condition variable), over job_deque. Installed for real-clock runs by
/// configure_system; the virtual clock uses CAF's test coordinator.
class work_stealing {
public:
  struct coordinator_data {
    explicit coordinator_data(caf::scheduler::abstract_coordinator*) {}
    std::atomic<std::size_t> next_worker{0};
  };

  struct worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator*) {}
    /// Workers are made by copying one prototype: a fresh state each.
    worker_data(const worker_data&) {}

    job_deque queue;
    std::size_t steals = 0; ///< attempts so far: picks the next victim
    std::mutex sleep_mutex;
    std::condition_variable wake;
    std::atomic<bool> sleeping{false};
  };

  template <class Coordinator>
  void central_enqueue(Coordinator* self, caf::resumable* job) {
    auto n = self->data().next_worker++ % self->num_workers();
    self->worker_by_id(n)->external_enqueue(job);
  }

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    auto& d = self->data();
    d.queue.push_back(job);
    wake_if_sleeping(d);
  }

  template <class Worker>
  void internal_enqueue(Worker* self, caf::resumable* job) {
    self->data().queue.push_front(job);
  }

  template <class Worker>
  void resume_job_later(Worker* self, caf::resumable* job) {
    self->data().queue.push_back(job);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& d = self->data();
    // A busy run finds work at once; polls with steals first, then with
    // short sleeps, then sleeps until woken (or a timeout, to steal again).
    for (std::size_t i = 0; i < busy_polls; ++i)
      if (auto job = take(self, i % steal_every_busy == 0))
        return job;
    for (std::size_t i = 0; i < napping_polls; ++i) {
      if (auto job = take(self, i % steal_every_napping == 0))
        return job;
      std::this_thread::sleep_for(nap);
    }
    for (;;) {
      {
        std::unique_lock<std::mutex> guard{d.sleep_mutex};
        d.sleeping = true;
        d.wake.wait_for(guard, deep_sleep, [&] { return !d.queue.empty(); });
        d.sleeping = false;
      }
      if (auto job = take(self, true))
        return job;
    }
  }

  template <class Worker, class F>
  void foreach_resumable(Worker* self, F f) {
    while (auto job = self->data().queue.pop_front())
      f(job);
  }

  template <class Coordinator, class F>
  void foreach_central_resumable(Coordinator*, F) {}

  template <class Worker>
  void before_shutdown(Worker*) {}
  template <class Worker>
  void before_resume(Worker*, caf::resumable*) {}
  template <class Worker>
  void after_resume(Worker*, caf::resumable*) {}
  template <class Worker>
  void after_completion(Worker*, caf::resumable*) {}

private:
  static constexpr std::size_t busy_polls = 100;
  static constexpr std::size_t steal_every_busy = 10;
  static constexpr std::size_t napping_polls = 500;
  static constexpr std::size_t steal_every_napping = 5;
  static constexpr std::chrono::microseconds nap{50};
  static constexpr std::chrono::milliseconds deep_sleep{10};

  /// The worker's own next job, else (when `steal`) the last job of the
  /// next other worker in turn (each worker starts after its own id, so
  /// thieves do not all raid the same victim).
  template <class Worker>
  caf::resumable* take(Worker* self, bool steal) {
    if (auto job = self->data().queue.pop_front())
      return job;
    auto workers = self->parent()->num_workers();
    if (!steal || workers < 2)
      return nullptr;
    auto step = 1 + self->data().steals++ % (workers - 1);
    auto victim = (self->id() + step) % workers; // any worker but this one
    return self->parent()->worker_by_id(victim)->data().queue.pop_back();
  }

  /// A job pushed while the worker decides to sleep is seen either by the
  /// worker (its queue is no longer empty) or here (it is sleeping): both
  /// sides use sequentially consistent atomics.
  static void wake_if_sleeping(worker_data& d) {
    if (!d.sleeping.load())
      return;
    std::lock_guard<std::mutex> guard{d.sleep_mutex};
    d.wake.notify_one();
  }
};

} // namespace murmur
