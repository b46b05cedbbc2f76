#pragma once

// The murmur binary as a user meets it: run it with a shell command line and
// a deadline, and read what it printed and how it exited.

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace murmur::testing {

struct command_result {
  int exit_code = -1; ///< -1: killed at the deadline, or by a signal
  std::string output; ///< stdout and stderr
};

/// Runs `MURMUR_BINARY args` through the shell (so `args` may redirect or
/// set limits, e.g. a `ulimit` prefix with `prefix`), killed after
/// `seconds`.
inline command_result murmur(const std::string& args, double seconds = 60,
                             const std::string& prefix = "") {
  std::string cmd = prefix + " timeout -s KILL " + std::to_string(seconds) +
                    " " + MURMUR_BINARY + " " + args + " 2>&1";
  command_result result;
  auto pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf;
  while (auto n = fread(buf.data(), 1, buf.size(), pipe))
    result.output.append(buf.data(), n);
  auto status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (result.exit_code == 137) // timeout's SIGKILL
    result.exit_code = -1;
  return result;
}

inline std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    n += c == '\n';
  return n;
}

} // namespace murmur::testing
