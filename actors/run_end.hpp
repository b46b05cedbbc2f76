#pragma once

#include "core/run/outcome.hpp"

#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>

namespace murmur {

/// The wait for the end of a run, local or across hosts: the observer's
/// outcome, or the failure of an actor or a host. Settles once; whatever
/// comes later is ignored.
class run_end {
public:
  void finish(const run_outcome& o) { settle(o, ""); }
  void fail(std::string why) { settle({}, std::move(why)); }

  bool over() {
    std::lock_guard<std::mutex> guard{mtx_};
    return over_;
  }

  /// Waits at most `limit`; false if the run is still going.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> limit) {
    return done_.wait_for(limit) == std::future_status::ready;
  }

  /// The outcome; throws std::runtime_error if the run failed.
  run_outcome result() const {
    if (!failure_.empty())
      throw std::runtime_error(failure_);
    return outcome_;
  }

private:
  void settle(const run_outcome& o, std::string why) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (over_)
      return;
    over_ = true;
    outcome_ = o;
    failure_ = std::move(why);
    promise_.set_value();
  }

  std::mutex mtx_;
  bool over_ = false;
  run_outcome outcome_;
  std::string failure_;
  std::promise<void> promise_;
  std::shared_future<void> done_ = promise_.get_future().share();
};

} // namespace murmur
