#include "experiments/cli/run_command.hpp"

#include "actors/control_channels.hpp"
#include "actors/remote/credentials.hpp"
#include "actors/runtime.hpp"
#include "actors/system.hpp"
#include "core/run/experiment.hpp"
#include "core/run/lockstep.hpp"
#include "experiments/cli/dashboard/live_dashboard.hpp"
#include "experiments/cli/results.hpp"

#include <tbb/global_control.h>

#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

namespace murmur {

namespace {

/// The actor-free reference loop, under the same stop rule as the actors.
/// Under the virtual clock its times are the loop's modelled ones (a
/// barrier per round, see core/run/lockstep.hpp), else wall seconds.
run_outcome run_lockstep(experiment& exp, metrics_sink& sink) {
  auto started = std::chrono::steady_clock::now();
  lockstep loop{exp};
  auto now = [&] {
    if (exp.cfg.clock.kind == clock_kind::simulated)
      return loop.seconds();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         started)
      .count();
  };
  auto emit = [&] {
    auto row = evaluate_round(exp, loop.rounds_done(), loop.reports());
    row.time_seconds = now();
    loop.network().fill_row(loop.seconds(), row);
    sink.on_row(row);
    return stop_after(exp, row);
  };
  auto end = emit();
  while (!end) {
    loop.run_round();
    if (exp.is_eval_round(loop.rounds_done()))
      end = emit();
  }
  auto agents = loop.reports();
  loop.network().fill_agents(loop.seconds(), agents);
  sink.on_agents(agents);
  return *end;
}

std::string as_text(const toml::table& t) {
  std::ostringstream os;
  os << t << '\n';
  return os.str();
}

} // namespace

int resolved_threads(const run_config& cfg) {
  if (cfg.run.threads > 0)
    return cfg.run.threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

run_result run_experiment(run_config cfg, bool show_progress) {
  cfg.run.threads = resolved_threads(cfg);
  // One budget of threads for CAF's workers and oneTBB together.
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            tbb_threads(cfg.clock.kind, cfg.run.threads)};
  // Before the experiment is built: a bad certificate fails at once, named.
  if (!cfg.hosts.list.empty())
    check_credentials(cfg.hosts, "hosts.");
  auto exp = build_experiment(cfg);
  auto commands = open_control_channels(cfg.control);
  auto dashboard = dashboard::open_dashboard(cfg, *exp);
  live_services live{commands.get(), dashboard.get()};
  run_folder folder{cfg.run.output, cfg.run.name};
  write_file_atomically(folder.path() / "config.toml", as_text(to_toml(cfg)));
  results_writer writer{cfg, folder.path(), show_progress};
  metrics_sink& sink = dashboard ? dashboard->feed(writer) : writer;
  auto started = std::chrono::steady_clock::now();
  auto outcome =
    cfg.run.engine == engine_kind::lockstep
      ? run_lockstep(*exp, sink)
      : run_actors(*exp, sink, cfg.run.threads, live.empty() ? nullptr : &live);
  writer.finish(outcome, std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - started)
                           .count());
  folder.commit();
  if (dashboard)
    dashboard->finished(folder.final_path(), outcome);
  return {folder.final_path(), writer.rows(), outcome};
}

} // namespace murmur
