#include "actors/pacer.hpp"

#include "actors/virtual_clock.hpp"

#include <algorithm>

namespace murmur {

namespace {

/// Behind the ratio by more than this, the pacer gives up catching up: a
/// simulation slower than asked runs as fast as it can, without bursts.
constexpr double max_lag_seconds = 0.25;

/// How often a stalled loop looks again whether a page still watches.
constexpr auto stall_recheck = std::chrono::milliseconds(200);

} // namespace

pacer::pacer(double speed, bool paused) : speed_(speed), paused_(paused) {}

void pacer::post(std::function<void()> work) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (closed_)
    return;
  work_.push_back(std::move(work));
  changed_.notify_all();
}

void pacer::pause() {
  std::lock_guard<std::mutex> guard{mtx_};
  paused_ = true;
  stepping_ = false;
  changed_.notify_all();
}

void pacer::run() {
  std::lock_guard<std::mutex> guard{mtx_};
  paused_ = false;
  stepping_ = false;
  anchored_ = false;
  changed_.notify_all();
}

void pacer::step() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!running())
    anchored_ = false;
  paused_ = true;
  stepping_ = true;
  changed_.notify_all();
}

void pacer::set_speed(double ratio) {
  std::lock_guard<std::mutex> guard{mtx_};
  speed_ = std::max(0.0, ratio);
  anchored_ = false;
  changed_.notify_all();
}

void pacer::set_watched(bool watched) {
  std::lock_guard<std::mutex> guard{mtx_};
  watched_ = watched;
  changed_.notify_all();
}

void pacer::close() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    dropped.swap(work_);
    changed_.notify_all();
  }
}

pacer::state pacer::current() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return {!running(), stalled_, speed_, now_};
}

void pacer::on_row() {
  std::lock_guard<std::mutex> guard{mtx_};
  stepping_ = false;
}

double pacer::paced(double now) {
  if (!anchored_) {
    anchored_ = true;
    sim0_ = now;
    wall0_ = wall_clock::now();
  }
  auto wall = std::chrono::duration<double>(wall_clock::now() - wall0_);
  return std::max(now, sim0_ + speed_ * wall.count());
}

void pacer::run_work(std::unique_lock<std::mutex>& lock,
                     virtual_coordinator& sched, const run_env& env) {
  // At a speed ratio, what arrives now happens at the paced time, which may
  // lie after the last event but never after the next one.
  if (running() && speed_ > 0) {
    double t = paced(now_);
    auto& clock = sched.clock();
    if (clock.has_pending())
      t = std::min(t, env.seconds(clock.next_due()));
    if (t > now_)
      clock.current_time = env.start + to_timespan(t);
  }
  auto todo = std::move(work_);
  work_.clear();
  lock.unlock();
  for (auto& w : todo)
    w();
}

bool pacer::wait_pacing(std::unique_lock<std::mutex>& lock, double next) {
  paced(now_); // anchors
  auto due = wall0_ + std::chrono::duration_cast<wall_clock::duration>(
                        std::chrono::duration<double>((next - sim0_) / speed_));
  auto wall = wall_clock::now();
  if (wall < due) {
    changed_.wait_until(lock, due);
    return true;
  }
  if (wall - due > std::chrono::duration<double>(max_lag_seconds))
    anchored_ = false;
  return false;
}

bool pacer::hold(virtual_coordinator& sched, const run_env& env) {
  std::unique_lock<std::mutex> lock{mtx_};
  auto& clock = sched.clock();
  for (;;) {
    now_ = env.seconds(clock.now());
    if (!work_.empty()) {
      run_work(lock, sched, env);
      return true;
    }
    if (closed_)
      return false;
    if (!running()) {
      changed_.wait(lock);
      continue;
    }
    stalled_ = !clock.has_pending();
    if (stalled_) {
      if (!watched_)
        return false;
      if (speed_ > 0)
        paced(now_); // simulated time flows from here while nothing is due
      changed_.wait_for(lock, stall_recheck);
      continue;
    }
    if (speed_ <= 0)
      return false;
    if (!wait_pacing(lock, env.seconds(clock.next_due())))
      return false;
  }
}

} // namespace murmur
