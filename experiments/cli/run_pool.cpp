// Runs of a sweep as subprocesses of the murmur binary: a failure stays in
// its own process and log, and --jobs runs proceed side by side.
#include "experiments/cli/run_pool.hpp"

#include "experiments/cli/finished_runs.hpp"
#include "experiments/cli/results.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace murmur {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

volatile std::sig_atomic_t interrupt_signal = 0;

void note_interrupt(int signal) {
  interrupt_signal = signal;
}

/// Catches SIGINT and SIGTERM while runs are in flight, so the pool can stop
/// them before it goes; the previous handlers come back afterwards.
class interrupt_guard {
public:
  interrupt_guard() {
    interrupt_signal = 0;
    struct sigaction action {};
    action.sa_handler = note_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~interrupt_guard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;

private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::string config_text(const run_config& cfg) {
  std::ostringstream os;
  os << to_toml(cfg) << '\n';
  return os.str();
}

std::string last_line(const fs::path& log) {
  std::ifstream in{log};
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      last = line;
  // A progress line redrawn in place: keep what was drawn last.
  auto cr = last.rfind('\r');
  return cr == std::string::npos ? last : last.substr(cr + 1);
}

std::string duration(double seconds) {
  char buf[48];
  auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", s / 3600, s % 3600 / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld s", s);
  return buf;
}

/// `program run config` with stdout and stderr appended to `log`.
pid_t spawn_run(const fs::path& program, const fs::path& config,
                const fs::path& log) {
  // Built before fork: the child only calls async-signal-safe functions.
  auto prog = program.string();
  auto cfg = config.string();
  auto log_path = log.string();
  std::string verb = "run";
  char* argv[] = {prog.data(), verb.data(), cfg.data(), nullptr};
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("sweep: cannot fork a run");
  if (pid == 0) {
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0)
      ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(argv[0], argv);
    ::_exit(127);
  }
  return pid;
}

/// SIGTERM to every run in flight, SIGKILL to those still there after 5 s.
void stop_all(const std::vector<pid_t>& pids) {
  for (auto pid : pids)
    ::kill(pid, SIGTERM);
  auto deadline = steady::now() + std::chrono::seconds(5);
  std::vector<pid_t> left = pids;
  while (!left.empty()) {
    int status = 0;
    for (auto it = left.begin(); it != left.end();)
      it = ::waitpid(*it, &status, WNOHANG) == *it ? left.erase(it) : it + 1;
    if (left.empty())
      break;
    if (steady::now() > deadline) {
      for (auto pid : left) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

} // namespace

struct run_pool::running {
  std::size_t index;
  pid_t pid;
  std::string name;
  toml::table expected;
  fs::path log;
  steady::time_point started;
};

/// Stops the runs still in flight when run() leaves early (an interrupt, an
/// error launching the next run), so no run outlives its sweep.
struct run_pool::stop_on_exit {
  std::vector<running>& active;
  ~stop_on_exit() {
    std::vector<pid_t> pids;
    for (auto& r : active)
      pids.push_back(r.pid);
    stop_all(pids);
  }
};

run_pool::run_pool(fs::path program, fs::path dir, std::size_t jobs,
                   std::ostream& progress, bool interactive)
  : program_(std::move(program)), dir_(std::move(dir)),
    jobs_(std::max<std::size_t>(1, jobs)), progress_(progress),
    interactive_(interactive) {}

void run_pool::launch(const pool_job& job, std::size_t index,
                      std::vector<running>& active) {
  for (auto sub : {"configs", "logs", "runs"})
    fs::create_directories(dir_ / sub);
  auto config = dir_ / "configs" / (job.name + ".toml");
  write_file_atomically(config, config_text(job.config));
  auto log = dir_ / "logs" / (job.name + ".log");
  {
    std::ofstream note{log, std::ios::trunc};
    if (auto stale = discard_incomplete(runs_dir(), job.name))
      note << "sweep: removed " << stale << " incomplete folder(s) of "
           << job.name << " left by an interrupted run\n";
  }
  auto pid = spawn_run(program_, config, log);
  ++counts_.launched;
  active.push_back(
    {index, pid, job.name, to_toml(job.config), log, steady::now()});
}

job_outcome run_pool::collect(const running& r, int status) {
  run_seconds_ +=
    std::chrono::duration<double>(steady::now() - r.started).count();
  ++timed_runs_;
  job_outcome out;
  std::string why;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (auto folder = find_finished_run(runs_dir(), r.name, r.expected))
      out.folder = *folder;
    else
      why = "exited 0 but no finished folder holds its config";
  } else if (WIFEXITED(status)) {
    why = "exit " + std::to_string(WEXITSTATUS(status));
  } else {
    why = "killed by signal " + std::to_string(WTERMSIG(status));
  }
  if (!why.empty()) {
    ++counts_.failed;
    auto said = last_line(r.log);
    out.failure = r.name + " failed (" + why + ")" +
                  (said.empty() ? "" : ": " + said) +
                  "; log: " + r.log.string();
  }
  return out;
}

void run_pool::show(std::size_t active, const std::string& line) {
  std::string eta = "?";
  if (timed_runs_ > 0) {
    double per_run = run_seconds_ / static_cast<double>(timed_runs_);
    auto left = total_ - done_;
    eta = duration(
      per_run * static_cast<double>(left) /
      static_cast<double>(std::min(jobs_, std::max<std::size_t>(1, left))));
  }
  std::ostringstream status;
  status << phase_ << ": " << done_ << "/" << total_ << " runs done ("
         << counts_.reused << " reused, " << counts_.failed << " failed), "
         << active << " running, ETA " << (done_ == total_ ? "0 s" : eta);
  if (interactive_) {
    progress_ << "\r\033[K";
    if (!line.empty())
      progress_ << line << "\n";
    progress_ << status.str() << (done_ == total_ ? "\n" : "") << std::flush;
  } else {
    progress_ << (line.empty() ? "" : line + "\n") << status.str() << "\n"
              << std::flush;
  }
}

std::vector<std::size_t>
run_pool::reuse_finished(const std::vector<pool_job>& jobs,
                         std::vector<job_outcome>& outcomes) {
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto folder =
      find_finished_run(runs_dir(), jobs[i].name, to_toml(jobs[i].config));
    if (!folder) {
      pending.push_back(i);
      continue;
    }
    outcomes[i] = {*folder, true, ""};
    ++counts_.reused;
  }
  return pending;
}

std::size_t run_pool::reap(std::vector<running>& active,
                           std::vector<job_outcome>& outcomes) {
  std::size_t reaped = 0;
  for (auto it = active.begin(); it != active.end();) {
    int status = 0;
    if (::waitpid(it->pid, &status, WNOHANG) != it->pid) {
      ++it;
      continue;
    }
    auto& outcome = outcomes[it->index] = collect(*it, status);
    ++done_;
    ++reaped;
    it = active.erase(it);
    show(active.size(),
         outcome.failure.empty() ? "" : "sweep: " + outcome.failure);
  }
  return reaped;
}

std::vector<job_outcome> run_pool::run(const std::vector<pool_job>& jobs,
                                       const std::string& phase) {
  std::vector<job_outcome> outcomes(jobs.size());
  auto pending = reuse_finished(jobs, outcomes);
  phase_ = phase;
  total_ = jobs.size();
  done_ = total_ - pending.size();
  show(0, "");
  interrupt_guard signals;
  std::vector<running> active;
  stop_on_exit stopper{active};
  auto refreshed = steady::now();
  for (std::size_t next = 0; next < pending.size() || !active.empty();) {
    if (interrupt_signal != 0)
      throw sweep_interrupted(
        phase + ": interrupted; " + std::to_string(done_) + " of " +
        std::to_string(total_) + " runs finished and are kept");
    for (; active.size() < jobs_ && next < pending.size(); ++next)
      launch(jobs[pending[next]], pending[next], active);
    if (reap(active, outcomes) > 0)
      continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (interactive_ && steady::now() - refreshed > std::chrono::seconds(1)) {
      show(active.size(), "");
      refreshed = steady::now();
    }
  }
  return outcomes;
}

} // namespace murmur
