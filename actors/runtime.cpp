#include "actors/runtime.hpp"

#include "actors/async_mailer.hpp"
#include "actors/async_trainer.hpp"
#include "actors/control_channels.hpp"
#include "actors/controller.hpp"
#include "actors/mailer.hpp"
#include "actors/messages.hpp"
#include "actors/observer.hpp"
#include "actors/plexus_agent.hpp"
#include "actors/plexus_observer.hpp"
#include "actors/remote/launcher.hpp"
#include "actors/run_env.hpp"
#include "actors/trainer.hpp"

#include <caf/scheduler/test_coordinator.hpp>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>

namespace murmur {

namespace {

struct agents {
  std::shared_ptr<std::vector<caf::actor>> mailers =
    std::make_shared<std::vector<caf::actor>>();
  std::vector<caf::actor> trainers;
  caf::actor observer;
  caf::actor controller;
  /// Protocol agents are their own mailers: `mailers` is then only the
  /// directory of `trainers`.
  bool one_actor_per_agent = false;

  template <class F>
  void for_each(F f) const {
    for (auto& t : trainers)
      f(t);
    if (!one_actor_per_agent)
      for (auto& m : *mailers)
        f(m);
    f(observer);
    f(controller);
  }
};

/// How a run ends: done with its last round, or an actor failed.
class outcome {
public:
  void done(round_t r) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!over_) {
      over_ = true;
      last_ = r;
      promise_.set_value();
    }
  }
  void fail(std::string why) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!over_) {
      over_ = true;
      failure_ = std::move(why);
      promise_.set_value();
    }
  }
  bool over() {
    std::lock_guard<std::mutex> guard{mtx_};
    return over_;
  }
  void wait() { promise_.get_future().wait(); }
  round_t result() const {
    if (!failure_.empty())
      throw std::runtime_error(failure_);
    return last_;
  }

private:
  std::mutex mtx_;
  bool over_ = false;
  round_t last_ = 0;
  std::string failure_;
  std::promise<void> promise_;
};

/// A run fails as soon as one of its actors does.
void watch(caf::actor_system& sys, const agents& a, outcome& result) {
  auto* out = &result;
  a.for_each([&sys, out](const caf::actor& x) {
    x->attach_functor([&sys, out](const caf::error& reason) {
      if (reason && reason != caf::exit_reason::user_shutdown)
        out->fail("an actor failed: " + sys.render(reason));
    });
  });
}

/// Event-driven protocols: one actor per agent, and the protocol's observer.
void spawn_protocol_agents(caf::actor_system& sys, const run_env& env,
                           agents& a) {
  auto& exp = *env.exp;
  auto bandwidth = std::make_shared<std::vector<double>>();
  for (agent_id i = 0; i < exp.agents(); ++i)
    bandwidth->push_back(exp.cost->bandwidth(i));
  a.one_actor_per_agent = true;
  a.observer = sys.spawn(plexus_observer, &env);
  for (agent_id i = 0; i < exp.agents(); ++i)
    a.mailers->push_back(
      sys.spawn(plexus_agent, &env, i, a.mailers, bandwidth, a.observer));
  a.trainers = *a.mailers;
}

agents spawn_agents(caf::actor_system& sys, const run_env& env,
                    outcome& result) {
  agents a;
  auto n = env.exp->agents();
  if (env.exp->protocol) {
    spawn_protocol_agents(sys, env, a);
    a.controller = sys.spawn(controller, &env, a.trainers);
    watch(sys, a, result);
    return a;
  }
  // Asynchronous algorithms get trainers and mailers on independent clocks;
  // the observer and controller are the same for both kinds.
  bool async = env.exp->schedule.has_value();
  for (agent_id i = 0; i < n; ++i)
    a.mailers->push_back(async ? sys.spawn(async_mailer, &env, i, a.mailers)
                               : sys.spawn(mailer, &env, i, a.mailers));
  a.observer = sys.spawn(observer, &env);
  for (agent_id i = 0; i < n; ++i) {
    auto& m = (*a.mailers)[i];
    a.trainers.push_back(async
                           ? sys.spawn(async_trainer, &env, i, m, a.observer)
                           : sys.spawn(trainer, &env, i, m, a.observer));
  }
  a.controller = sys.spawn(controller, &env, a.trainers);
  watch(sys, a, result);
  return a;
}

void stop(const agents& a) {
  a.for_each([](const caf::actor& x) {
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  });
}

round_t run_real(experiment& exp, metrics_sink& sink, int threads) {
  caf::actor_system_config cfg;
  register_messages(cfg);
  cfg.set("scheduler.max-threads", threads);
  // A worker yields after this many messages of one actor, so a busy agent
  // cannot starve its neighbours' mailers.
  cfg.set("scheduler.max-throughput", 64);
  caf::actor_system sys{cfg};
  outcome result;
  run_env env{&exp, &sink, false, sys.clock().now(),
              [&result](round_t r) { result.done(r); }};
  auto a = spawn_agents(sys, env, result);
  auto channels = open_control_channels(sys, a.controller, exp.cfg.control);
  for (auto& t : a.trainers)
    caf::anon_send(t, start_atom::value);
  result.wait();
  channels.reset();
  stop(a);
  return result.result();
}

round_t run_virtual(experiment& exp, metrics_sink& sink, int threads) {
  // `threads` threads only compute; this thread runs the events and waits.
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            tbb_threads(exp.cfg, threads)};
  tbb::task_arena compute{std::max(1, threads), 0};
  caf::actor_system_config cfg;
  register_messages(cfg);
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto& sched =
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  outcome result;
  run_env env{&exp,
              &sink,
              true,
              sys.clock().now(),
              [&result](round_t r) { result.done(r); },
              &compute};
  auto a = spawn_agents(sys, env, result);
  for (auto& t : a.trainers)
    caf::anon_send(t, start_atom::value);
  // The discrete-event loop: run everything due now, then jump to the next
  // event. Ties fire in the order they were scheduled.
  while (!result.over()) {
    sched.run();
    if (result.over())
      break;
    if (!sched.has_pending_timeout()) {
      result.fail("virtual run stalled at t=" +
                  std::to_string(env.seconds(sys.clock().now())) +
                  " s: every agent waits and no event is due (all "
                  "paused, or a neighbour killed mid-round?)");
      break;
    }
    sched.trigger_timeout();
  }
  stop(a);
  sched.run();
  return result.result();
}

} // namespace

std::size_t tbb_threads(const run_config& cfg, int threads) {
  auto n = static_cast<std::size_t>(std::max(1, threads));
  return cfg.clock.kind == clock_kind::simulated ? n + 1 : n;
}

round_t run_actors(experiment& exp, metrics_sink& sink, int threads) {
  if (exp.cfg.clock.kind == clock_kind::simulated)
    return run_virtual(exp, sink, threads);
  if (!exp.cfg.hosts.list.empty())
    return run_across_hosts(exp, sink, threads);
  return run_real(exp, sink, threads);
}

} // namespace murmur
