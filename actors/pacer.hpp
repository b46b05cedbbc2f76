#pragma once

#include "actors/run_env.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace murmur {

class virtual_coordinator;

/// Paces a virtual-clock run from outside its actors (the dashboard): pause,
/// step to the next evaluation, a simulated-to-wall speed ratio, and work
/// that other threads queue for the run (commands, samples), which must run
/// on the driver loop's thread because CAF's test coordinator is not
/// thread-safe. The loop consults hold() whenever every job due now has run,
/// before its clock jumps to the next event:
///
///   running --pause--> paused --run--> running
///   running/paused --step--> stepping --next evaluation row--> paused
///   speed r > 0: the clock never runs ahead of sim0 + r * (wall - wall0);
///   while nothing is due (every agent waits, e.g. for a paused one) and a
///   page watches, the loop waits for a command and, at speed r, simulated
///   time flows on at that ratio meanwhile.
class pacer {
public:
  /// What the pacer is doing, for the page.
  struct state {
    bool paused = false;
    bool stalled = false; ///< no event is due: every agent waits
    double speed = 0;     ///< simulated seconds per wall second, 0 = fast
    double now = 0;       ///< seconds on the run's clock at the last hold
  };

  pacer(double speed, bool paused);

  // Any thread.

  /// Runs `work` on the loop thread at its next hold; dropped after close().
  void post(std::function<void()> work);
  void pause();
  void run();
  /// Runs to the next evaluation row, then pauses.
  void step();
  void set_speed(double ratio);
  /// Whether someone can unblock a stalled run (a page is open): then a run
  /// in which no event is due waits for a command instead of failing.
  void set_watched(bool watched);
  /// Releases the loop for good and drops queued work.
  void close();
  state current() const;

  // The loop thread.

  /// An evaluation row was written: ends a step.
  void on_row();

  /// The driver loop's hook. Runs queued work and returns true (the loop
  /// runs the jobs it made, then asks again); otherwise waits while paused
  /// or ahead of the speed ratio and returns false (the loop jumps to the
  /// next event, or reports a stall when none is due).
  bool hold(virtual_coordinator& sched, const run_env& env);

private:
  using wall_clock = std::chrono::steady_clock;

  bool running() const { return !paused_ || stepping_; }
  /// Where the clock should be now at the speed ratio, at least `now`.
  double paced(double now);
  void run_work(std::unique_lock<std::mutex>& lock, virtual_coordinator& sched,
                const run_env& env);
  /// Waits (until a change at the latest) while the event due at `next`
  /// lies ahead of the speed ratio; false when it is due now.
  bool wait_pacing(std::unique_lock<std::mutex>& lock, double next);

  mutable std::mutex mtx_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> work_;
  double speed_;
  bool paused_;
  bool stepping_ = false;
  bool watched_ = false;
  bool closed_ = false;
  bool stalled_ = false;
  double now_ = 0;
  /// The speed ratio's reference point; reset whenever the run (re)starts
  /// or the speed changes, so a pause is never made up for.
  bool anchored_ = false;
  double sim0_ = 0;
  wall_clock::time_point wall0_;
};

} // namespace murmur
