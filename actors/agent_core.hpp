#pragma once

#include "actors/messages.hpp"
#include "actors/run_env.hpp"
#include "core/run/experiment.hpp"
#include "core/time/pace.hpp"

#include <caf/all.hpp>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>

namespace murmur {

/// An agent's compute work under the virtual clock, where all actors share
/// one event thread: it runs on the run's compute arena, so many agents'
/// steps overlap in wall time while the event order stays fixed. The event
/// thread waits for it without picking up other tasks, so it goes back to
/// the events (and starts more steps) as soon as this one is done. One task
/// at a time per agent; the destructor waits for it.
class compute_task {
public:
  template <class F>
  void run(tbb::task_arena& arena, F work) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      pending_ = true;
    }
    arena.enqueue([this, w = std::move(work)] {
      std::exception_ptr failure;
      try {
        w();
      } catch (...) { // rethrown by wait(), in the actor that asked
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> guard{mutex_}; // notify before we may go
      failure_ = failure;
      pending_ = false;
      done_.notify_all();
    });
  }

  void wait() {
    std::unique_lock<std::mutex> lock{mutex_};
    done_.wait(lock, [this] { return !pending_; });
    if (auto failure = std::exchange(failure_, nullptr))
      std::rethrow_exception(failure);
  }

  ~compute_task() {
    std::unique_lock<std::mutex> lock{mutex_};
    done_.wait(lock, [this] { return !pending_; });
  }

private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool pending_ = false;
  std::exception_ptr failure_;
};

/// What every trainer (synchronous or asynchronous) holds: the agent's state
/// and algorithm, its pace, its mailer and observer, and the machinery that
/// runs compute on the run's clock.
struct agent_core {
  const run_env* env = nullptr;
  std::optional<agent_slot> slot;
  std::optional<agent_pace> pace;
  caf::actor mailer;
  caf::actor observer;
  double measured = 0; ///< real clock: wall seconds of the last compute
  double busy = 0;     ///< modelled seconds charged so far
  compute_task task;   ///< last: destroyed (and waited for) first

  /// `agent`: its state, and its round policy unless it runs a protocol.
  void init(const run_env* e, agent_slot agent, caf::actor m, caf::actor o) {
    env = e;
    auto id = agent.ctx.id();
    slot.emplace(std::move(agent));
    pace.emplace(e->exp->cfg.stragglers, id, e->exp->cfg.seed);
    mailer = std::move(m);
    observer = std::move(o);
    if (e->built)
      e->built->one_built();
  }

  agent_id id() const { return slot->ctx.id(); }

  /// Runs compute work: as a task under the virtual clock (joined with
  /// join()), inline and timed under the real one.
  template <class F>
  void launch(F work) {
    if (env->virtual_time) {
      task.run(*env->compute, std::move(work));
      return;
    }
    auto t0 = std::chrono::steady_clock::now();
    work();
    measured =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  }

  void join() { task.wait(); }

  /// The final duration of a compute phase of `modelled` seconds whose
  /// duration was drawn through the pace as `planned` (see
  /// plan_round_compute), counted as busy. Under the real clock, work that
  /// outlasted the modelled time adds its overrun, slowed by the pace: the
  /// same as drawing the pace over max(modelled, measured), because a pace is
  /// affine in the base time.
  double charge(double planned, double modelled) {
    double d = planned;
    if (!env->virtual_time)
      d += pace->slowdown() * std::max(0.0, measured - modelled);
    busy += d;
    return d;
  }

  /// Draws a phase's duration through the pace and charges it, for phases
  /// that need no decision before their work (call after launch()).
  double charge(double modelled) {
    return charge(pace->duration(modelled), modelled);
  }

  /// How long to wait for the completion event of a phase charged `d`
  /// seconds (real clock: what the work already took is subtracted).
  double remaining(double d) const {
    return std::max(0.0, d - (env->virtual_time ? 0.0 : measured));
  }

  /// Sends `self` churn(false) / churn(true) at the edges of this agent's
  /// online intervals (nothing without churn).
  template <class Self>
  void schedule_churn(Self* self) const {
    auto& online = *env->exp->online;
    if (!online.churns())
      return;
    for (auto& iv : online.intervals(id())) {
      if (iv.start > 0)
        self->delayed_send(self, to_timespan(iv.start), churn_atom::value,
                           true);
      if (iv.end < forever)
        self->delayed_send(self, to_timespan(iv.end), churn_atom::value, false);
    }
  }

  agent_status status(round_t round, std::uint64_t steps,
                      agent_activity activity,
                      protocol::role role = protocol::role::none) const {
    return {id(),
            round,
            steps,
            pace->slowdown(),
            pace->extra_delay(),
            pace->paused(),
            pace->killed(),
            busy,
            activity,
            role};
  }
};

} // namespace murmur
