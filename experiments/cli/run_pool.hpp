#pragma once

#include "core/config/config.hpp"

#include <cstddef>
#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace murmur {

/// One run a pool should have: its folder name and its resolved config.
struct pool_job {
  std::string name;
  run_config config;
};

/// What became of a job.
struct job_outcome {
  std::filesystem::path folder; ///< the finished run folder; empty if failed
  bool reused = false;          ///< finished before, not run again
  std::string failure; ///< one line with the log's path; "" when it ran
};

/// Launches, reuses and failures so far.
struct pool_counts {
  std::size_t launched = 0;
  std::size_t reused = 0;
  std::size_t failed = 0;
};

/// The sweep was interrupted (SIGINT, SIGTERM); its runs in flight were
/// stopped and the finished ones are kept.
class sweep_interrupted : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Runs jobs as `program run CONFIG` subprocesses, at most `jobs` at a
/// time, in a sweep folder: configs/<name>.toml (the resolved config each
/// run reads), logs/<name>.log (its stdout and stderr) and runs/<name> (its
/// folder). A job whose finished folder already holds the same config is
/// reused instead of run (find_finished_run), so an interrupted sweep
/// resumes where it stopped; incomplete folders left by an interruption are
/// removed before their run starts again. A failed run does not stop the
/// others.
class run_pool {
public:
  run_pool(std::filesystem::path program, std::filesystem::path dir,
           std::size_t jobs, std::ostream& progress, bool interactive);

  /// Runs (or reuses) every job, showing "phase: done/total, ETA" on the
  /// progress stream; outcomes in job order. Throws sweep_interrupted when
  /// SIGINT or SIGTERM arrives, after stopping the runs in flight.
  std::vector<job_outcome> run(const std::vector<pool_job>& jobs,
                               const std::string& phase);

  const pool_counts& counts() const { return counts_; }
  std::filesystem::path runs_dir() const { return dir_ / "runs"; }

private:
  struct running;
  struct stop_on_exit;

  /// Outcomes of the jobs already finished; returns the others' indices.
  std::vector<std::size_t> reuse_finished(const std::vector<pool_job>& jobs,
                                          std::vector<job_outcome>& outcomes);
  void launch(const pool_job& job, std::size_t index,
              std::vector<running>& active);
  /// Collects the runs that exited; returns how many.
  std::size_t reap(std::vector<running>& active,
                   std::vector<job_outcome>& outcomes);
  job_outcome collect(const running& r, int status);
  /// The progress line, after `line` (a failure) when there is one.
  void show(std::size_t active, const std::string& line);

  std::filesystem::path program_;
  std::filesystem::path dir_;
  std::size_t jobs_;
  std::ostream& progress_;
  bool interactive_;
  pool_counts counts_;
  std::string phase_; ///< of the current run() call
  std::size_t total_ = 0;
  std::size_t done_ = 0;
  double run_seconds_ = 0; ///< wall time of the runs launched and finished
  std::size_t timed_runs_ = 0;
};

} // namespace murmur
