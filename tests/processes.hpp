#pragma once

// Child processes for the multi-host tests: `murmur node`s whose bound port is
// read from their first stdout line, and `murmur run`s waited for with a
// deadline. Every wait has a timeout; every child is killed with its object.

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace murmur::testing {

/// The environment of a child: ours, plus LeakSanitizer's suppression of
/// CAF's own networking cycle (cmake/lsan_caf.supp says why). Only these
/// processes (nodes and launchers) get it; the in-process tests keep
/// reporting every leak. Ignored by builds without the sanitizer.
inline std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  std::string lsan = "LSAN_OPTIONS=";
  for (char** e = environ; *e; ++e) {
    std::string var = *e;
    if (var.rfind(lsan, 0) == 0)
      lsan = var + ":";
    else
      env.push_back(var);
  }
  env.push_back(lsan + "suppressions=" MURMUR_SOURCE_DIR
                       "/cmake/lsan_caf.supp");
  return env;
}

/// Starts MURMUR_BINARY with `args` (behind `prefix`, e.g. `ip netns exec
/// NS`, when given); stdout to a pipe (returned in *out_fd when asked for),
/// stderr to `log`.
inline pid_t spawn_murmur(const std::vector<std::string>& args,
                          const std::filesystem::path& log, int* out_fd,
                          const std::vector<std::string>& prefix = {}) {
  // Everything the child needs is built before fork: between fork and exec
  // it only calls async-signal-safe functions.
  auto env = child_environment();
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : prefix)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(const_cast<char*>(MURMUR_BINARY));
  for (auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  auto log_path = log.string();
  int fds[2] = {-1, -1};
  if (out_fd)
    REQUIRE(::pipe(fds) == 0);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Dies with the test process, which may crash before killing it (a
    // paused run would otherwise live on).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(err, 2);
    if (out_fd) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
    } else {
      ::dup2(err, 1);
    }
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (out_fd) {
    ::close(fds[1]);
    *out_fd = fds[0];
  }
  return pid;
}

/// Waits for `pid` at most `seconds`; its exit code, or -1 after killing it
/// on timeout (or when it died of a signal).
inline int wait_exit(pid_t pid, double seconds) {
  auto deadline =
    std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

/// A `murmur node` on `host` (127.0.0.1 unless given) at a port of its
/// choosing.
class node_process {
public:
  node_process(const std::vector<std::string>& flags,
               const std::filesystem::path& log,
               const std::string& host = "127.0.0.1",
               const std::vector<std::string>& prefix = {})
    : host_(host) {
    std::vector<std::string> args{"node", "--listen", host + ":0", "--threads",
                                  "1"};
    args.insert(args.end(), flags.begin(), flags.end());
    int out = -1;
    pid_ = spawn_murmur(args, log, &out, prefix);
    std::string line;
    char c = 0;
    pollfd p{out, POLLIN, 0};
    // The first line names the bound port; 20 s covers a loaded machine.
    while (::poll(&p, 1, 20000) > 0 && ::read(out, &c, 1) == 1 && c != '\n')
      line += c;
    ::close(out);
    auto colon = line.rfind(':', line.find(" ("));
    INFO("node said: " << line);
    REQUIRE(colon != std::string::npos);
    port_ = std::atoi(line.c_str() + colon + 1);
    REQUIRE(port_ > 0);
  }
  ~node_process() {
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string address() const { return host_ + ":" + std::to_string(port_); }

private:
  std::string host_;
  pid_t pid_ = -1;
  int port_ = 0;
};

} // namespace murmur::testing
