#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace murmur {

/// Counts the agents whose state is built. Each agent actor builds its own
/// (shard, model, optimizer, algorithm) when it first runs, on the
/// scheduler's threads, after spawn() has returned: a real-clock run waits
/// here so that its rounds start once every agent exists, and so that the
/// set-up's time is known apart from the rounds'.
class build_count {
public:
  explicit build_count(std::size_t expected) : expected_(expected) {}

  void one_built() {
    std::lock_guard<std::mutex> guard{mtx_};
    if (++built_ == expected_)
      built_changed_.notify_all();
  }

  /// Waits at most `limit`; true once every agent is built.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> limit) {
    std::unique_lock<std::mutex> lock{mtx_};
    return built_changed_.wait_for(lock, limit,
                                   [this] { return built_ >= expected_; });
  }

private:
  std::mutex mtx_;
  std::condition_variable built_changed_;
  std::size_t built_ = 0;
  std::size_t expected_;
};

} // namespace murmur
