#include "experiments/cli/bench_command.hpp"

#include "actors/runtime.hpp"
#include "actors/system.hpp"
#include "core/data/data_config.hpp"
#include "core/model/benchmark.hpp"
#include "core/run/experiment.hpp"
#include "core/run/lockstep.hpp"
#include "experiments/cli/results.hpp"

#include <tbb/global_control.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <stdexcept>
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

} // namespace

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

run_time timed_run(experiment& exp, metrics_sink& sink, int threads,
                   live_service* live) {
  auto c0 = std::clock();
  auto t0 = clock_type::now();
  run_actors(exp, sink, threads, live);
  return {seconds_since(t0),
          static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC};
}

std::string seconds_list(const std::vector<double>& v) {
  std::string s;
  for (double x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.2f", s.empty() ? "" : " ", x);
    s += buf;
  }
  return s;
}

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
    auto t = timed_run(*build_experiment(timed), with_time, opts.threads);
    auto z = timed_run(*build_experiment(zero), without_time, opts.threads);
    timed_s.push_back(t.wall);
    timed_cpu.push_back(t.cpu);
    zero_s.push_back(z.wall);
    zero_cpu.push_back(z.cpu);
  }
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
    best_timed, with_time.last.time_seconds, seconds_list(timed_s).c_str(),
    best_zero, seconds_list(zero_s).c_str(), best_timed / best_zero, cpu_timed,
    cpu_zero, cpu_timed / cpu_zero,
    same_models(with_time.last, without_time.last) ? "yes" : "NO");
  out << line;
}

namespace {

/// One side of `bench dpsgd`, measured in a process of its own so that its
/// peak memory is its own and neither side runs on the other's heap.
struct side_figures {
  double setup_seconds = 0; ///< building the agents (and spawning them)
  double spawn_seconds = 0; ///< actors: spawning and wiring (and building)
  double round_seconds = 0; ///< all rounds, evaluations excluded
  double eval_seconds = 0;  ///< one evaluation
  double rss_mib = 0;       ///< peak resident memory of the process
  std::size_t num_params = 0;
  double flops_per_step = 0; ///< of one agent's gradient on a minibatch
  double data_mib = 0;       ///< the training and test sets held in memory
  // The final models' fingerprint, to check both sides computed the same.
  double test_loss = 0;
  double train_loss = 0;
  double consensus = 0;
  std::uint64_t bytes = 0;
  bool ok = false;
};

/// Runs `measure` in a child process and returns what it measured (ok =
/// false when the child failed; it says why on stderr).
template <class F>
side_figures in_child(F measure) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error("bench: cannot create a pipe");
  auto pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("bench: cannot fork");
  if (pid == 0) {
    ::close(fds[0]);
    side_figures got;
    try {
      got = measure();
      got.rss_mib = peak_rss_mib();
      got.ok = true;
    } catch (const std::exception& e) {
      std::cerr << "murmur: bench: " << e.what() << "\n";
    }
    auto written = ::write(fds[1], &got, sizeof got);
    ::_exit(written == static_cast<ssize_t>(sizeof got) && got.ok ? 0 : 1);
  }
  ::close(fds[1]);
  side_figures got;
  auto n = ::read(fds[0], &got, sizeof got);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (n != static_cast<ssize_t>(sizeof got))
    got.ok = false;
  return got;
}

void fingerprint(side_figures& f, const metrics_row& row) {
  f.test_loss = row.test_loss;
  f.train_loss = row.train_loss;
  f.consensus = row.consensus_distance;
  f.bytes = row.bytes_sent;
}

/// Wall time at the runtime's set-up events (agents spawned and wired, then
/// their state built: the rounds start there) and at each row. Round 0's
/// row is no mark for the rounds' start: the agents do not wait for its
/// evaluation, and with a slow model they run rounds while the observer
/// evaluates.
class row_times : public metrics_sink {
public:
  void on_row(const metrics_row& row) override {
    times.push_back(clock_type::now());
    last = row;
  }
  void on_event(double, const std::string& source, const std::string&,
                const std::string&) override {
    if (source == "runtime")
      set_up.push_back(clock_type::now());
  }
  std::vector<clock_type::time_point> set_up;
  std::vector<clock_type::time_point> times;
  metrics_row last;
};

/// One agent-round's gradient FLOPs, averaged over the agents: each piece
/// of an agent's block gives one minibatch per step, of at most its rows
/// (many agents on a small dataset hold fewer rows than run.batch_size).
double mean_gradient_flops(const experiment& exp) {
  const auto& data = exp.train;
  double sum = 0;
  for (std::size_t a = 0; a < data.agents(); ++a) {
    auto pieces = data.pieces.empty()
                    ? std::vector<std::size_t>{data.shard_size(a)}
                    : data.pieces[a];
    for (auto rows : pieces)
      sum += exp.net->gradient_flops(
        std::min<std::size_t>(exp.cfg.run.batch_size, rows));
  }
  return sum / static_cast<double>(data.agents());
}

side_figures measure_loop(const run_config& cfg) {
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(cfg.run.threads)};
  auto exp = build_experiment(cfg);
  side_figures f;
  auto t0 = clock_type::now();
  lockstep loop{*exp};
  f.setup_seconds = seconds_since(t0);
  auto t1 = clock_type::now();
  while (loop.rounds_done() < cfg.run.rounds)
    loop.run_round();
  f.round_seconds = seconds_since(t1);
  auto t2 = clock_type::now();
  auto row = evaluate_round(*exp, loop.rounds_done(), loop.reports());
  f.eval_seconds = seconds_since(t2);
  f.num_params = exp->num_params();
  f.flops_per_step = mean_gradient_flops(*exp);
  f.data_mib =
    static_cast<double>(exp->train.feature_bytes() +
                        sizeof(float) *
                          static_cast<std::size_t>(exp->test.features.size())) /
    (1024 * 1024);
  fingerprint(f, row);
  return f;
}

side_figures measure_actors(const run_config& cfg, double eval_seconds) {
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(cfg.run.threads)};
  auto exp = build_experiment(cfg);
  row_times sink;
  auto t0 = clock_type::now();
  run_actors(*exp, sink, cfg.run.threads);
  if (sink.times.size() != 2 || sink.set_up.size() != 2)
    throw std::runtime_error("bench: expected 2 set-up steps, 2 evaluations");
  side_figures f;
  auto span = [](clock_type::time_point a, clock_type::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  };
  f.spawn_seconds = span(t0, sink.set_up[0]);
  f.setup_seconds = span(t0, sink.set_up[1]);
  // Both evaluations (round 0's beside the rounds, the last one after them)
  // take the cores from the rounds for about one evaluation's time each.
  f.round_seconds =
    std::max(0.0, span(sink.set_up[1], sink.times.back()) - 2 * eval_seconds);
  f.eval_seconds = eval_seconds;
  fingerprint(f, sink.last);
  return f;
}

bool same_models(const side_figures& a, const side_figures& b) {
  return a.test_loss == b.test_loss && a.train_loss == b.train_loss &&
         a.consensus == b.consensus && a.bytes == b.bytes;
}

double best_of(std::vector<double> v) {
  return *std::min_element(v.begin(), v.end());
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

void bench_step(const run_config& cfg, const bench_options& opts,
                std::ostream& out) {
  auto data = load_data(cfg.data, cfg.seed);
  model_bench_options o;
  o.batch = cfg.run.batch_size;
  o.repeats = std::max(1, opts.repeat);
  auto r =
    model_benchmark(cfg.model, data.train.shape, data.train.num_classes, o);
  char text[512];
  std::snprintf(text, sizeof text,
                "step bench: batch %zu, one thread, best of %d rounds of "
                "%.1f s (thread CPU time)\n  gradient step:   %.1f us",
                o.batch, o.repeats, o.round_seconds, r.microseconds_per_step);
  out << text;
  if (!(r.flops_per_step > 0)) { // TorchScript: FLOPs not counted
    out << " (FLOPs not counted for this model kind)\n";
    return;
  }
  std::snprintf(text, sizeof text,
                ", %.2f MFLOP, %.1f GFLOP/s\n"
                "  Eigen float GEMM %zux%zu: %.1f GFLOP/s; the step runs at "
                "%.2f of it\n",
                r.flops_per_step / 1e6, r.gflops(), o.gemm_size, o.gemm_size,
                r.gemm_gflops(), r.gemm_fraction());
  out << text;
}

void bench_dpsgd(run_config cfg, const bench_options& opts, std::ostream& out) {
  cfg.clock.kind = clock_kind::real;
  cfg = bench_config(cfg, opts);
  auto agent_rounds = static_cast<double>(cfg.run.agents * cfg.run.rounds);
  auto agents = static_cast<double>(cfg.run.agents);
  std::vector<double> actor_us, loop_us;
  side_figures actor_last, loop_last;
  bool same = true;
  for (int k = 0; k < std::max(1, opts.repeat); ++k) {
    // The sides alternate, so that load from other processes on a shared
    // machine does not land on one side only; the best counts.
    loop_last = in_child([&] { return measure_loop(cfg); });
    if (!loop_last.ok)
      throw std::runtime_error("bench: the lock-step side failed");
    actor_last =
      in_child([&] { return measure_actors(cfg, loop_last.eval_seconds); });
    if (!actor_last.ok)
      throw std::runtime_error("bench: the actor side failed");
    loop_us.push_back(1e6 * loop_last.round_seconds / agent_rounds);
    actor_us.push_back(1e6 * actor_last.round_seconds / agent_rounds);
    same = same && same_models(actor_last, loop_last);
  }
  char text[1024];
  std::snprintf(
    text, sizeof text,
    "dpsgd bench: %llu agents, %d threads, %llu rounds, %s, %zu params, "
    "batch %llu; %zu alternating runs per side, each in its own process\n"
    "                      best      median   (us per agent-round, rounds "
    "only)\n"
    "  murmur (actors): %9.2f  %9.2f\n"
    "  bare loop:       %9.2f  %9.2f\n"
    "  ratio (best):    %9.3f\n"
    "  set-up:          actors %.3f s (spawning and wiring %.3f s, most "
    "agents building meanwhile; then the rest of the building), loop "
    "%.3f s (building); one evaluation "
    "%.3f s (not in the figures above)\n"
    "  peak RSS:        actors %.1f MiB, loop %.1f MiB, of which data %.1f "
    "MiB; beyond the data %.1f and %.1f KiB per agent\n"
    "  same final models (loss, consensus, bytes): %s\n",
    static_cast<unsigned long long>(cfg.run.agents), opts.threads,
    static_cast<unsigned long long>(cfg.run.rounds), cfg.topology.kind.c_str(),
    loop_last.num_params, static_cast<unsigned long long>(cfg.run.batch_size),
    actor_us.size(), best_of(actor_us), median_of(actor_us), best_of(loop_us),
    median_of(loop_us), best_of(actor_us) / best_of(loop_us),
    actor_last.setup_seconds, actor_last.spawn_seconds, loop_last.setup_seconds,
    loop_last.eval_seconds, actor_last.rss_mib, loop_last.rss_mib,
    loop_last.data_mib,
    1024 * (actor_last.rss_mib - loop_last.data_mib) / agents,
    1024 * (loop_last.rss_mib - loop_last.data_mib) / agents,
    same ? "yes" : "NO");
  out << text;
  // The whole round's time against the gradients' FLOPs alone (mixing,
  // messages and the optimizer step count as time, not work): a lower
  // bound on the rate the gradient work itself runs at.
  auto per_thread = [&](double us) {
    return loop_last.flops_per_step / us / 1e3 / cfg.run.threads;
  };
  if (!(loop_last.flops_per_step > 0))
    return; // a model whose FLOPs murmur does not count (TorchScript)
  auto gemm = gemm_gflops();
  std::snprintf(text, sizeof text,
                "  gradient work:   %.2f MFLOP per agent-round; %.1f GFLOP/s "
                "per thread (actors, best), %.1f (loop); Eigen's float GEMM "
                "512x512 on one thread here %.1f GFLOP/s: %.2f and %.2f of "
                "it\n",
                loop_last.flops_per_step / 1e6, per_thread(best_of(actor_us)),
                per_thread(best_of(loop_us)), gemm,
                per_thread(best_of(actor_us)) / gemm,
                per_thread(best_of(loop_us)) / gemm);
  out << text;
}

} // namespace murmur
