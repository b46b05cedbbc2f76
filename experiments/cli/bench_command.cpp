#include "experiments/cli/bench_command.hpp"

#include "actors/runtime.hpp"
#include "actors/system.hpp"
#include "core/run/experiment.hpp"
#include "core/run/lockstep.hpp"
#include "experiments/cli/results.hpp"

#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace murmur {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// Keeps the last row, to check both sides ended on the same models.
class last_row : public metrics_sink {
public:
  void on_row(const metrics_row& row) override { last = row; }
  metrics_row last;
};

bool same_models(const metrics_row& a, const metrics_row& b) {
  return a.test_loss == b.test_loss && a.train_loss == b.train_loss &&
         a.consensus_distance == b.consensus_distance &&
         a.bytes_sent == b.bytes_sent;
}

/// Prepares a bench config: D-PSGD, N agents, evaluation only at the end on
/// few test rows, so the bench times training.
run_config bench_config(run_config cfg, const bench_options& opts) {
  cfg.algorithm.name = "dpsgd";
  cfg.run.agents = opts.agents;
  cfg.run.threads = opts.threads;
  cfg.run.rounds = opts.rounds > 0
                     ? opts.rounds
                     : std::clamp<std::uint64_t>(200000 / opts.agents, 5, 2000);
  cfg.run.eval_every = cfg.run.rounds;
  cfg.eval.max_agents = 1;
  cfg.eval.test_samples = 1000;
  validate(cfg);
  return cfg;
}

/// Wall and CPU seconds (all threads) of one run.
struct run_time {
  double wall = 0;
  double cpu = 0;
};

run_time timed_run(const run_config& cfg, metrics_sink& sink, int threads) {
  auto exp = build_experiment(cfg);
  auto c0 = std::clock();
  auto t0 = clock_type::now();
  run_actors(*exp, sink, threads);
  return {seconds_since(t0),
          static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC};
}

} // namespace

void bench_clock(run_config cfg, const bench_options& opts, std::ostream& out) {
  cfg.clock.kind = clock_kind::simulated;
  if (cfg.cost.step_seconds == 0) {
    cfg.cost.step_seconds = 0.1;
    cfg.network.latency = 0.005;
    // 100 Mbit/s links: concurrent transfers contend (max-min flows).
    cfg.network.uplink = cfg.network.downlink = 12.5e6;
    cfg.cost.speed = speed_kind::lognormal;
    cfg.cost.speed_sigma = 0.5;
  }
  auto timed = bench_config(cfg, opts);
  auto zero = timed;
  zero.cost = cost_config{};
  zero.network = network_config{};
  zero.stragglers = straggler_config{};
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            tbb_threads(timed.clock.kind, opts.threads)};
  last_row with_time;
  last_row without_time;
  std::vector<double> timed_s, zero_s, timed_cpu, zero_cpu;
  for (int k = 0; k < std::max(1, opts.repeat); ++k) {
    auto t = timed_run(timed, with_time, opts.threads);
    auto z = timed_run(zero, without_time, opts.threads);
    timed_s.push_back(t.wall);
    timed_cpu.push_back(t.cpu);
    zero_s.push_back(z.wall);
    zero_cpu.push_back(z.cpu);
  }
  auto list = [](const std::vector<double>& v) {
    std::string s;
    for (double x : v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.2f", s.empty() ? "" : " ", x);
      s += buf;
    }
    return s;
  };
  double best_timed = *std::min_element(timed_s.begin(), timed_s.end());
  double best_zero = *std::min_element(zero_s.begin(), zero_s.end());
  double cpu_timed = *std::min_element(timed_cpu.begin(), timed_cpu.end());
  double cpu_zero = *std::min_element(zero_cpu.begin(), zero_cpu.end());
  char line[1024];
  std::snprintf(
    line, sizeof line,
    "virtual clock bench: %llu agents, %d threads, %llu rounds, best of %zu\n"
    "  modelled durations: %8.3f s wall for %.1f s simulated  (runs: %s)\n"
    "  all durations zero: %8.3f s wall  (runs: %s)\n"
    "  ratio:              %8.3f\n"
    "  CPU seconds:        %8.3f vs %.3f (ratio %.3f, all threads)\n"
    "  same final models:  %s\n",
    static_cast<unsigned long long>(timed.run.agents), opts.threads,
    static_cast<unsigned long long>(timed.run.rounds), timed_s.size(),
    best_timed, with_time.last.time_seconds, list(timed_s).c_str(), best_zero,
    list(zero_s).c_str(), best_timed / best_zero, cpu_timed, cpu_zero,
    cpu_timed / cpu_zero,
    same_models(with_time.last, without_time.last) ? "yes" : "NO");
  out << line;
}

void bench_dpsgd(run_config cfg, const bench_options& opts, std::ostream& out) {
  cfg.clock.kind = clock_kind::real;
  cfg = bench_config(cfg, opts);
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(opts.threads)};
  // Agents permute their shards in place each epoch, so each side gets a
  // freshly built experiment (the first is freed before the second).
  last_row sink;
  double actor_s = 0;
  std::size_t num_params = 0;
  {
    auto exp = build_experiment(cfg);
    num_params = exp->num_params();
    auto t0 = clock_type::now();
    run_actors(*exp, sink, opts.threads);
    actor_s = seconds_since(t0);
  }
  double actor_rss = peak_rss_mib();

  // The lock-step loop is timed on its rounds alone (no evaluation).
  auto exp = build_experiment(cfg);
  lockstep loop{*exp};
  auto t1 = clock_type::now();
  while (loop.rounds_done() < cfg.run.rounds)
    loop.run_round();
  double bare_s = seconds_since(t1);
  auto bare_row = evaluate_round(*exp, loop.rounds_done(), loop.reports());

  auto agent_rounds = static_cast<double>(cfg.run.agents * cfg.run.rounds);
  double actor_us = 1e6 * actor_s / agent_rounds;
  double bare_us = 1e6 * bare_s / agent_rounds;
  char line[512];
  std::snprintf(
    line, sizeof line,
    "dpsgd bench: %llu agents, %d threads, %llu rounds, %s, %zu "
    "params, batch %llu\n"
    "  murmur (actors): %10.2f us/agent-round  (%.3f s total, incl."
    " spawn and one evaluation)\n"
    "  bare loop:       %10.2f us/agent-round  (%.3f s)\n"
    "  ratio:           %10.3f\n"
    "  same final models (loss, consensus, bytes): %s\n"
    "  peak RSS:        %10.1f MiB after the actor run, %.1f MiB "
    "overall\n",
    static_cast<unsigned long long>(cfg.run.agents), opts.threads,
    static_cast<unsigned long long>(cfg.run.rounds), cfg.topology.kind.c_str(),
    num_params, static_cast<unsigned long long>(cfg.run.batch_size), actor_us,
    actor_s, bare_us, bare_s, actor_us / bare_us,
    same_models(sink.last, bare_row) ? "yes" : "NO", actor_rss, peak_rss_mib());
  out << line;
}

} // namespace murmur
