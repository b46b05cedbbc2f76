#pragma once

// A murmur process that serves the dashboard (`murmur run --dashboard`,
// `murmur view`) in a child process for the dashboard's tests: started with
// its output in a log, from which the page's address is read.

#include "tests/processes.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace murmur::testing {

class dashboard_process {
public:
  /// `murmur run CONFIG --dashboard LISTEN --set SETS...`, its results under
  /// `dir`/out/live.
  dashboard_process(const std::filesystem::path& dir, const std::string& config,
                    const std::string& listen, std::vector<std::string> sets)
    : log_(dir / "run.log"), folder_(dir / "out" / "live") {
    std::vector<std::string> args{"run", config, "--dashboard", listen,
                                  "--set"};
    sets.push_back("run.output=\"" + (dir / "out").string() + "\"");
    sets.push_back("run.name=\"live\"");
    args.insert(args.end(), sets.begin(), sets.end());
    pid_ = spawn_murmur(args, log_, nullptr);
  }

  /// `murmur ARGS...` (e.g. `view`), its output in `log`.
  dashboard_process(const std::vector<std::string>& args,
                    const std::filesystem::path& log)
    : log_(log) {
    pid_ = spawn_murmur(args, log_, nullptr);
  }

  ~dashboard_process() {
    if (pid_ > 0)
      wait_exit(pid_, 0);
  }

  dashboard_process(const dashboard_process&) = delete;
  dashboard_process& operator=(const dashboard_process&) = delete;

  /// The page's address as the process prints it (after `tag`), waiting at
  /// most `seconds`; fails the test when it does not appear.
  std::string url(const std::string& tag = "dashboard: ", double seconds = 60) {
    auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      auto log = std::filesystem::exists(log_) ? slurp(log_) : "";
      auto at = log.find(tag);
      auto end = at == std::string::npos ? at : log.find('\n', at);
      if (end != std::string::npos)
        return log.substr(at + tag.size(), end - at - tag.size());
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("the run ended before serving its page:\n" << log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("no dashboard address within " << seconds << " s:\n" << slurp(log_));
    return {};
  }

  /// Sends `signal` to the process.
  void signal(int signal) { ::kill(pid_, signal); }

  /// The exit code, -1 when it had to be killed after `seconds`.
  int wait(double seconds) {
    int code = wait_exit(pid_, seconds);
    pid_ = -1;
    return code;
  }

  const std::filesystem::path& folder() const { return folder_; }
  const std::filesystem::path& log() const { return log_; }

private:
  std::filesystem::path log_;
  std::filesystem::path folder_;
  pid_t pid_ = -1;
};

} // namespace murmur::testing
