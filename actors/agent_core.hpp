#pragma once

#include "actors/messages.hpp"
#include "actors/run_env.hpp"
#include "core/experiment.hpp"
#include "core/pace.hpp"

#include <caf/all.hpp>
#include <tbb/task_group.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

namespace murmur {

/// Compute work handed to oneTBB under the virtual clock, where all actors
/// share one thread: many agents' steps then overlap in wall time while the
/// event order stays fixed. Waits for stragglers when the trainer goes away.
struct compute_tasks {
  std::unique_ptr<tbb::task_group> group = std::make_unique<tbb::task_group>();
  ~compute_tasks() { group->wait(); }
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
  compute_tasks tasks; ///< last: destroyed (and waited for) first

  void init(const run_env* e, agent_id id, caf::actor m, caf::actor o) {
    env = e;
    slot.emplace(make_agent(*e->exp, id));
    pace.emplace(e->exp->cfg.stragglers, id, e->exp->cfg.seed);
    mailer = std::move(m);
    observer = std::move(o);
  }

  agent_id id() const { return slot->ctx.id(); }

  /// Runs compute work: as a task under the virtual clock (joined with
  /// join()), inline and timed under the real one.
  template <class F>
  void launch(F work) {
    if (env->virtual_time) {
      tasks.group->run(std::move(work));
      return;
    }
    auto t0 = std::chrono::steady_clock::now();
    work();
    measured =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  }

  void join() { tasks.group->wait(); }

  /// Seconds a compute phase of `modelled` seconds takes through the pace
  /// (real clock: at least what the work took); counted as busy.
  double charge(double modelled) {
    double base = env->virtual_time ? modelled : std::max(modelled, measured);
    double d = pace->duration(base);
    busy += d;
    return d;
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

  agent_status status(round_t round, std::uint64_t steps) const {
    return {id(),
            round,
            steps,
            pace->slowdown(),
            pace->extra_delay(),
            pace->paused(),
            pace->killed()};
  }
};

} // namespace murmur
