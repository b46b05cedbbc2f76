// The real clock's scheduler: its job queue's order, growth and concurrent
// stealing, and an actor system running on it.
#include "actors/system.hpp"
#include "actors/work_stealing.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

using namespace murmur;

namespace {

/// Distinct, aligned job pointers that are never dereferenced: the queue
/// only moves them around.
struct fake_jobs {
  explicit fake_jobs(std::size_t n) : storage(n) {}
  caf::resumable* operator[](std::size_t i) {
    return reinterpret_cast<caf::resumable*>(&storage[i]);
  }
  std::size_t index(caf::resumable* job) const {
    return static_cast<std::size_t>(
      reinterpret_cast<const std::max_align_t*>(job) - storage.data());
  }
  std::vector<std::max_align_t> storage;
};

} // namespace

TEST_CASE("the job queue: the owner's front and the thieves' back, across "
          "growth and wrap-around") {
  fake_jobs jobs{1000};
  job_deque q;
  CHECK(q.pop_front() == nullptr);
  CHECK(q.pop_back() == nullptr);
  // Wrap the ring's head around before it grows: fronts and backs mixed.
  for (std::size_t i = 0; i < 50; ++i) {
    q.push_front(jobs[i]);
    CHECK(q.pop_back() == jobs[i]);
  }
  CHECK(q.empty());
  // 0..299 at the back, then 300..599 in front (newest first): grows 64 ->
  // 1024 with the head wrapped.
  for (std::size_t i = 0; i < 300; ++i)
    q.push_back(jobs[i]);
  for (std::size_t i = 300; i < 600; ++i)
    q.push_front(jobs[i]);
  for (std::size_t i = 599; i >= 300; --i)
    REQUIRE(q.pop_front() == jobs[i]);
  for (std::size_t i = 299; i >= 150; --i)
    REQUIRE(q.pop_back() == jobs[i]); // a thief takes the back
  for (std::size_t i = 0; i < 150; ++i)
    REQUIRE(q.pop_front() == jobs[i]);
  CHECK(q.empty());
  CHECK(q.pop_front() == nullptr);
}

TEST_CASE("the job queue under two thieves hands out every job exactly once") {
  constexpr std::size_t n = 200000;
  fake_jobs jobs{n};
  std::vector<std::atomic<int>> taken(n);
  job_deque q;
  std::atomic<bool> pushed{false};
  auto thief = [&] {
    for (;;) {
      if (auto job = q.pop_back())
        ++taken[jobs.index(job)];
      else if (pushed && q.empty())
        return;
    }
  };
  std::thread a{thief}, b{thief};
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 2 == 0)
      q.push_front(jobs[i]);
    else
      q.push_back(jobs[i]);
    if (i % 3 == 0)
      if (auto job = q.pop_front())
        ++taken[jobs.index(job)];
  }
  pushed = true;
  a.join();
  b.join();
  std::size_t once = 0;
  for (auto& t : taken)
    once += t.load() == 1;
  CHECK(once == n);
}

TEST_CASE("a real-clock actor system runs on murmur's work stealing: 20,000 "
          "actors answer a ping each") {
  caf::actor_system_config cfg;
  configure_system(cfg, 2);
  caf::actor_system sys{cfg};
  using steal = caf::scheduler::coordinator<work_stealing>;
  REQUIRE(dynamic_cast<steal*>(&sys.scheduler()) != nullptr);
  constexpr int n = 20000;
  std::vector<caf::actor> actors;
  for (int i = 0; i < n; ++i)
    actors.push_back(sys.spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](int x) { return x + 1; }};
    }));
  caf::scoped_actor self{sys};
  for (int i = 0; i < n; ++i)
    self->send(actors[static_cast<std::size_t>(i)], i);
  long long sum = 0;
  int got = 0;
  bool late = false;
  while (got < n && !late)
    self->receive(
      [&](int y) {
        sum += y;
        ++got;
      },
      caf::after(std::chrono::seconds(30)) >> [&] { late = true; });
  CHECK_FALSE(late);
  CHECK(got == n);
  CHECK(sum == static_cast<long long>(n) * (n + 1) / 2);
  for (auto& a : actors)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
