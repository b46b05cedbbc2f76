// murmur sweep: the comparison protocol as a command. Every method's grid
// runs on a tuning seed that is never reported; each method keeps its best
// point; the reported seeds run at that point; the report states every
// metric's convention. Runs are subprocesses, reused when already finished.
#include "experiments/cli/sweep_command.hpp"

#include "core/base/error.hpp"
#include "experiments/cli/run_pool.hpp"
#include "experiments/cli/sweep_report.hpp"
#include "experiments/cli/sweep_select.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <thread>

namespace murmur {

namespace fs = std::filesystem;

namespace {

/// An exclusive lock on the sweep's folder for as long as the sweep runs,
/// so two sweeps never write (or discard) the same runs.
class folder_lock {
public:
  explicit folder_lock(const fs::path& dir) {
    auto file = dir / ".lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd_ < 0)
      throw input_error(file.string() + ": cannot create the sweep's lock");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw input_error(dir.string() +
                        ": another sweep is running in this folder; wait for "
                        "it or pass another --output");
    }
  }
  ~folder_lock() { ::close(fd_); }
  folder_lock(const folder_lock&) = delete;
  folder_lock& operator=(const folder_lock&) = delete;

private:
  int fd_ = -1;
};

fs::path sweep_dir(const sweep_options& opts, const sweep_spec& spec) {
  if (!opts.output.empty())
    return opts.output;
  if (!spec.output.empty())
    return spec.output;
  // "relaysgd_dirichlet.sweep.toml" -> runs/relaysgd_dirichlet
  auto stem = fs::path{opts.file}.filename();
  while (stem.has_extension())
    stem = stem.stem();
  return fs::path{"runs"} / stem;
}

fs::path own_binary(const sweep_options& opts) {
  return opts.program.empty() ? fs::read_symlink("/proc/self/exe")
                              : fs::path{opts.program};
}

/// Runs at a time times each run's threads against the machine's cores
/// (judged by the first method's first point).
void warn_threads(const sweep_spec& spec, std::size_t jobs, std::ostream& log) {
  auto& first = spec.methods.front();
  auto cfg = resolve_run(spec, first, grid_points(first).front(),
                         spec.tuning_seed, "runs");
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  auto per_run =
    cfg.run.threads > 0 ? static_cast<unsigned>(cfg.run.threads) : cores;
  if (jobs * per_run > cores)
    log << "sweep: warning: " << jobs << " runs at a time x " << per_run
        << " threads each exceed the " << cores
        << " hardware threads; set run.threads (--set run.threads=1) or "
           "fewer --jobs\n";
}

/// The tuning runs of every method with more than one grid point.
std::vector<pool_job> tuning_jobs(const sweep_spec& spec,
                                  std::vector<method_outcome>& methods,
                                  const fs::path& runs) {
  std::vector<pool_job> jobs;
  for (auto& m : methods) {
    if (m.points.size() < 2)
      continue;
    for (auto& point : m.points)
      jobs.push_back(
        {run_name(*m.method, point, spec.tuning_seed),
         resolve_run(spec, *m.method, point, spec.tuning_seed, runs)});
  }
  return jobs;
}

/// Scores the tuning runs and picks each method's point.
void choose(const sweep_spec& spec, std::vector<method_outcome>& methods,
            const std::vector<job_outcome>& tuned, sweep_outcome& sweep,
            std::ostream& log) {
  std::size_t next = 0;
  for (auto& m : methods) {
    if (m.points.size() < 2) {
      m.chosen = 0;
      continue;
    }
    for (std::size_t p = 0; p < m.points.size(); ++p, ++next) {
      auto& outcome = tuned[next];
      m.tuning_runs.push_back(outcome.folder.string());
      m.scores.push_back(
        outcome.folder.empty()
          ? std::nan("")
          : metric_value(read_run(outcome.folder), spec.select, spec.last));
      if (!outcome.failure.empty())
        sweep.failures.push_back(outcome.failure);
    }
    m.chosen = best_point(spec.select, m.scores);
    if (!m.chosen) {
      sweep.failures.push_back(m.method->name +
                               ": no tuning run gave a number; nothing "
                               "chosen, its seeds were not run");
      continue;
    }
    m.warnings = edge_warnings(*m.method, m.points[*m.chosen]);
    for (auto& w : m.warnings)
      log << "sweep: warning: " << w << "\n";
  }
}

std::vector<pool_job> reported_jobs(const sweep_spec& spec,
                                    const std::vector<method_outcome>& methods,
                                    const fs::path& runs) {
  std::vector<pool_job> jobs;
  for (auto& m : methods)
    if (m.chosen)
      for (auto seed : spec.seeds) {
        auto s = static_cast<std::uint64_t>(seed);
        auto& point = m.points[*m.chosen];
        jobs.push_back({run_name(*m.method, point, s),
                        resolve_run(spec, *m.method, point, s, runs)});
      }
  return jobs;
}

void collect_reported(const sweep_spec& spec,
                      std::vector<method_outcome>& methods,
                      const std::vector<job_outcome>& ran,
                      sweep_outcome& sweep) {
  std::size_t next = 0;
  for (auto& m : methods) {
    if (!m.chosen)
      continue;
    for (std::size_t s = 0; s < spec.seeds.size(); ++s, ++next) {
      if (!ran[next].folder.empty())
        m.reported.push_back(read_run(ran[next].folder));
      else
        sweep.failures.push_back(ran[next].failure);
    }
  }
}

std::string seeds_text(const std::vector<int>& seeds) {
  std::string out;
  for (auto s : seeds)
    out += (out.empty() ? "" : ",") + std::to_string(s);
  return out;
}

} // namespace

CLI::App* add_sweep_command(CLI::App& app, sweep_options& opts) {
  auto cmd = app.add_subcommand(
    "sweep", "tune every method on a tuning seed, compare them on reported "
             "seeds (resumable)");
  cmd->add_option("file", opts.file, "sweep file (TOML)")->required();
  cmd
    ->add_option("--set", opts.sets,
                 "a key for every run, e.g. --set partition.alpha=0.1")
    ->take_all();
  cmd->add_option("--output,-o", opts.output,
                  "the sweep's folder (default: the file's output, else "
                  "runs/<file stem>)");
  cmd->add_option("--jobs,-j", opts.jobs, "runs at a time")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  return cmd;
}

int sweep_command(const sweep_options& opts, std::ostream& out,
                  std::ostream& log) {
  auto spec = load_sweep(opts.file, opts.sets);
  auto dir = sweep_dir(opts, spec);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw input_error(dir.string() +
                      ": cannot create the sweep's folder: " + ec.message());
  folder_lock lock{dir};
  std::ifstream original{opts.file};
  std::ofstream{dir / "sweep.toml"} << original.rdbuf();
  warn_threads(spec, opts.jobs, log);
  sweep_outcome sweep{&spec, opts.file, dir, {}, {}};
  for (auto& m : spec.methods)
    sweep.methods.push_back({&m, grid_points(m), {}, {}, std::nullopt, {}, {}});
  run_pool pool{own_binary(opts), dir, opts.jobs, log,
                &log == &std::cerr && ::isatty(STDERR_FILENO) != 0};
  try {
    auto tuning = tuning_jobs(spec, sweep.methods, pool.runs_dir());
    auto tuned = pool.run(tuning, "tuning (seed " +
                                    std::to_string(spec.tuning_seed) + ")");
    choose(spec, sweep.methods, tuned, sweep, log);
    auto ran = pool.run(reported_jobs(spec, sweep.methods, pool.runs_dir()),
                        "seeds " + seeds_text(spec.seeds));
    collect_reported(spec, sweep.methods, ran, sweep);
  } catch (const sweep_interrupted& e) {
    log << "\nsweep: " << e.what()
        << "; run the same command again to resume\n";
    return 130;
  }
  write_sweep_report(sweep, log);
  print_results(out, sweep);
  auto& n = pool.counts();
  out << "\nsweep: " << n.launched << " runs launched, " << n.reused
      << " reused, " << n.failed
      << " failed; report: " << (dir / "report.md").string() << "\n";
  for (auto& f : sweep.failures)
    log << "sweep: " << f << "\n";
  return sweep.failures.empty() ? 0 : 1;
}

} // namespace murmur
