#pragma once

#include "actors/live.hpp"
#include "core/config/config.hpp"
#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace murmur {

struct bench_options {
  std::uint64_t agents = 64;
  int threads = 2;
  std::uint64_t rounds = 0; ///< 0 = enough for about a second of work
  int repeat = 3;           ///< alternating runs of each side
};

/// A bench config: D-PSGD, N agents, evaluation only at the end on few test
/// rows, so the bench times training.
run_config bench_config(run_config cfg, const bench_options& opts);

/// Wall and CPU seconds (all threads) of one run.
struct run_time {
  double wall = 0;
  double cpu = 0;
};

/// Times `exp`'s run through the actors (served by `live` when given).
run_time timed_run(experiment& exp, metrics_sink& sink, int threads,
                   live_service* live = nullptr);

/// "1.23 1.25 ...": the runs' seconds, for the benches' lines.
std::string seconds_list(const std::vector<double>& seconds);

/// `murmur bench dpsgd`: D-PSGD through the actor runtime next to the
/// actor-free lock-step loop doing the same math on the same data; each run
/// in a process of its own, the two sides alternating `repeat` times. Prints
/// microseconds per agent-round of the rounds alone (best and median of
/// each side) and their ratio, set-up (spawning and wiring) and evaluation
/// apart, peak memory per agent, and whether both sides ended on
/// bit-identical models.
void bench_dpsgd(run_config cfg, const bench_options& opts, std::ostream& out);

/// `murmur bench clock`: the same virtual-clock D-PSGD run with modelled
/// durations (the config's cost and straggler sections, or 0.1 s steps,
/// 5 ms links and lognormal speeds when none are set) and with every
/// duration zero; prints both wall times and their ratio, i.e. what the
/// discrete-event machinery costs. The two sides alternate `repeat` times
/// and the fastest of each counts, so that load from other processes on a
/// shared machine does not land on one side only.
void bench_clock(run_config cfg, const bench_options& opts, std::ostream& out);

/// `murmur bench step`: one agent's gradient step of the config's model on
/// a minibatch of run.batch_size samples of its dataset's shape, timed on
/// one thread in that thread's CPU time (best of `repeat` rounds of 0.2 s),
/// beside Eigen's float GEMM on 512x512 matrices timed the same way; prints
/// the step's time, its FLOPs, its GFLOP/s and its fraction of the GEMM's.
void bench_step(const run_config& cfg, const bench_options& opts,
                std::ostream& out);

} // namespace murmur
