#include "actors/runtime.hpp"

#include "actors/controller.hpp"
#include "actors/messages.hpp"
#include "actors/network.hpp"
#include "actors/pacer.hpp"
#include "actors/remote/launcher.hpp"
#include "actors/run_end.hpp"
#include "actors/spawn.hpp"
#include "actors/system.hpp"
#include "actors/virtual_clock.hpp"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>

namespace murmur {

namespace {

/// Every actor of a local run. Destroying it stops them all, so no error
/// path leaves agents running (and the actor system waiting for them).
struct run_actors_set {
  directory all = std::make_shared<std::vector<caf::actor>>();
  std::vector<caf::actor> trainers;
  std::vector<caf::actor> mailers; ///< only those that are not trainers
  caf::actor observer;
  caf::actor controller;
  caf::actor network;

  template <class F>
  void for_each(F f) const {
    for (auto* list : {&trainers, &mailers})
      for (auto& a : *list)
        f(a);
    for (auto* a : {&observer, &controller, &network})
      if (*a)
        f(*a);
  }

  void stop() const {
    for_each([](const caf::actor& x) {
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    });
  }

  ~run_actors_set() { stop(); }
};

/// Spawns the run's actors through the one spawn point per kind (and the
/// network actor unless the network is instant); a failing actor fails the
/// run.
void spawn_run(caf::actor_system& sys, run_env& env, run_end& end,
               run_actors_set& a) {
  auto* out = &end;
  // Watched as soon as spawned: an agent that fails while others are still
  // being spawned ends run_real's wait for the agents to be built.
  auto watch = [&sys, out](const caf::actor& x) {
    x->attach_functor([&sys, out](const caf::error& reason) {
      if (reason && reason != caf::exit_reason::user_shutdown)
        out->fail("an actor failed: " + sys.render(reason));
    });
    return x;
  };
  auto n = env.exp->agents();
  a.all->resize(n);
  if (!env.ledger->instant())
    env.network = a.network = watch(sys.spawn(network, &env, a.all));
  a.observer = watch(spawn_observer(sys, &env));
  for (agent_id i = 0; i < n; ++i) {
    auto agent = spawn_agent(sys, &env, i, a.all, a.observer);
    (*a.all)[i] = agent.mailer;
    a.trainers.push_back(watch(agent.trainer));
    if (agent.mailer != agent.trainer)
      a.mailers.push_back(watch(agent.mailer));
  }
  a.controller = watch(sys.spawn(controller, &env, a.trainers));
}

run_outcome run_real(experiment& exp, metrics_sink& sink, int threads,
                     live_service* live) {
  run_end end; // outlives the actor system: its actors report into it
  network_ledger ledger{exp.cost->links(), exp.agents()}; // and use it
  caf::actor_system_config cfg;
  configure_system(cfg, threads);
  caf::actor_system sys{cfg};
  guarded_sink guarded{sink, [&end](std::string why) { end.fail(why); }};
  run_env env{&exp, &guarded, false, sys.clock().now(),
              [&end](const run_outcome& o) { end.finish(o); }};
  env.ledger = &ledger;
  build_count built{exp.agents()};
  env.built = &built;
  {
    run_actors_set a;
    // Start-up apart from the rounds, in events.csv: spawning and wiring,
    // then building every agent's state (each agent builds its own when it
    // first runs). `murmur bench dpsgd` times the rounds from the second.
    auto t0 = std::chrono::steady_clock::now();
    auto log_step = [&](const std::string& what) {
      std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - t0;
      guarded.on_event(env.seconds(sys.clock().now()), "runtime",
                       what + " " + std::to_string(exp.agents()) +
                         " agents in " + std::to_string(took.count()) + " s",
                       "measured");
      t0 = std::chrono::steady_clock::now();
    };
    spawn_run(sys, env, end, a);
    log_step("spawned and wired");
    // Ends when every agent is built or the run failed (an agent that
    // cannot build its state fails the run).
    while (!built.wait_for(std::chrono::milliseconds(200)) && !end.over())
      ;
    log_step("built the state of");
    if (live)
      live->serve({sys, env, a.controller, a.trainers});
    for (auto& t : a.trainers)
      caf::anon_send(t, start_atom::value);
    while (!end.wait_for(std::chrono::milliseconds(200)))
      ;
    if (live)
      live->close();
  }
  // The actors read env and the sink until they quit (a run ended by a
  // failed write has an observer still mid-loop); both die before sys.
  sys.await_all_actors_done();
  return end.result();
}

run_outcome run_virtual(experiment& exp, metrics_sink& sink, int threads,
                        live_service* live) {
  // `threads` threads only compute; this thread runs the events and waits.
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            tbb_threads(clock_kind::simulated, threads)};
  tbb::task_arena compute{std::max(1, threads), 0};
  run_end end;
  network_ledger ledger{exp.cost->links(), exp.agents()};
  caf::actor_system_config cfg;
  configure_system(cfg, threads, clock_kind::simulated);
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<virtual_coordinator&>(sys.scheduler());
  guarded_sink guarded{sink, [&end](std::string why) { end.fail(why); }};
  run_env env{&exp,
              &guarded,
              true,
              sys.clock().now(),
              [&end](const run_outcome& o) { end.finish(o); },
              &compute};
  env.ledger = &ledger;
  {
    run_actors_set a;
    spawn_run(sys, env, end, a);
    if (live)
      live->serve({sys, env, a.controller, a.trainers});
    auto* pace = live ? live->pace() : nullptr;
    for (auto& t : a.trainers)
      caf::anon_send(t, start_atom::value);
    // The discrete-event loop: run everything due now, then jump to the
    // next event. Delayed messages due together fire in the order they were
    // scheduled, before request timeouts due then (actors/virtual_clock).
    while (!end.over()) {
      sched.run();
      if (end.over())
        break;
      if (pace && pace->hold(sched, env))
        continue; // it queued jobs (a command, a sample) at this time
      if (!sched.clock().has_pending()) {
        end.fail("virtual run stalled at t=" +
                 std::to_string(env.seconds(sys.clock().now())) +
                 " s: every agent waits and no event is due (all paused, or "
                 "a neighbour killed mid-round?)");
        break;
      }
      sched.clock().trigger_next();
    }
    if (live)
      live->close();
  }
  sched.run(); // let the stopped actors go
  return end.result();
}

} // namespace

run_outcome run_actors(experiment& exp, metrics_sink& sink, int threads,
                       live_service* live) {
  if (exp.cfg.clock.kind == clock_kind::simulated)
    return run_virtual(exp, sink, threads, live);
  if (!exp.cfg.hosts.list.empty())
    return run_across_hosts(exp, sink, threads, live);
  return run_real(exp, sink, threads, live);
}

} // namespace murmur
