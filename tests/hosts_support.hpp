#pragma once
// What the tests across processes share: certificates, node and launcher
// flags, launching a run, and reading what it wrote.
#include "tests/processes.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace murmur::testing {

inline bool have_openssl() {
  return std::system("command -v openssl >/dev/null 2>&1") == 0;
}

/// A CA in `dir`/`ca` and certificates signed by it for `names`.
inline void make_pki(const std::filesystem::path& dir, const std::string& ca,
                     const std::vector<std::string>& names) {
  auto sh = [](const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system((cmd + " >/dev/null 2>&1").c_str()) == 0);
  };
  auto d = dir.string() + "/";
  auto ec = std::string{" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"};
  sh("openssl req -x509" + ec + " -keyout " + d + ca + ".key -out " + d + ca +
     ".pem -days 1 -subj /CN=" + ca);
  for (auto& n : names) {
    sh("openssl req" + ec + " -keyout " + d + n + ".key -out " + d + n +
       ".csr -subj /CN=" + n);
    sh("openssl x509 -req -in " + d + n + ".csr -CA " + d + ca +
       ".pem -CAkey " + d + ca + ".key -CAcreateserial -out " + d + n +
       ".pem -days 1");
  }
}

/// How soon a silent peer counts as lost: within a second (heartbeat 0.2 s,
/// timeout 1 s), for the tests that kill or freeze hosts on idle loopback;
/// or, for saturated links, the default heartbeat (0.5 s) and a 5 s timeout,
/// which outlasts two retransmission stalls in a row (the default 3 s failed
/// tests/busy_link_test.cpp in 2 of 72 runs).
enum class liveness { quick, saturated };

/// A node's flags for `live`.
inline std::vector<std::string> node_liveness(liveness live) {
  if (live == liveness::quick)
    return {"--heartbeat", "0.2", "--timeout", "1"};
  return {"--timeout", "5"};
}

/// The launcher's settings for `live`.
inline std::vector<std::string> launcher_liveness(liveness live) {
  if (live == liveness::quick)
    return {"hosts.heartbeat=0.2", "hosts.timeout=1"};
  return {"hosts.timeout=5"};
}

/// A node's flags: its certificate, key and CA in `dir`, and `live`.
inline std::vector<std::string> node_tls(const std::filesystem::path& dir,
                                         const std::string& ca,
                                         const std::string& me,
                                         liveness live = liveness::quick) {
  auto d = dir.string() + "/";
  std::vector<std::string> flags{"--certificate", d + me + ".pem",
                                 "--key",         d + me + ".key",
                                 "--cafile",      d + ca + ".pem"};
  auto timing = node_liveness(live);
  flags.insert(flags.end(), timing.begin(), timing.end());
  return flags;
}

/// The launcher's settings for the same.
inline std::vector<std::string> launcher_tls(const std::filesystem::path& dir,
                                             const std::string& ca,
                                             const std::string& me,
                                             liveness live = liveness::quick) {
  auto d = dir.string() + "/";
  std::vector<std::string> sets{"hosts.certificate=\"" + d + me + ".pem\"",
                                "hosts.key=\"" + d + me + ".key\"",
                                "hosts.cafile=\"" + d + ca + ".pem\""};
  auto timing = launcher_liveness(live);
  sets.insert(sets.end(), timing.begin(), timing.end());
  return sets;
}

/// D-PSGD on a ring of `agents` over the synthetic problem with an MLP of
/// one hidden layer of `hidden` units (25 x hidden + 4 parameters),
/// evaluated at round 0 and every `eval_every` rounds, one thread, results
/// under `out`: the run the tests across processes time and compare.
inline std::vector<std::string> mlp_ring(const std::filesystem::path& out,
                                         int hidden, int agents, int rounds,
                                         int eval_every) {
  return {"data.name=synthetic",
          "model.kind=mlp",
          "model.hidden=[" + std::to_string(hidden) + "]",
          "run.agents=" + std::to_string(agents),
          "run.rounds=" + std::to_string(rounds),
          "run.eval_every=" + std::to_string(eval_every),
          "run.threads=1",
          "run.output=\"" + out.string() + "\"",
          "topology.kind=ring",
          "algorithm.name=dpsgd"};
}

/// Runs `murmur run` with `sets` (behind `prefix`, e.g. `ip netns exec NS`);
/// its exit code, or -1 when it took longer than `seconds` (wait_exit).
inline int launch(const std::vector<std::string>& sets,
                  const std::filesystem::path& log, double seconds,
                  pid_t* pid_out = nullptr,
                  const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> args{"run", "/dev/null", "--set"};
  args.insert(args.end(), sets.begin(), sets.end());
  auto pid = spawn_murmur(args, log, nullptr, prefix);
  if (pid_out)
    *pid_out = pid;
  return wait_exit(pid, seconds);
}

inline std::string hosts_of(const std::vector<node_process*>& nodes) {
  std::string list;
  for (auto* n : nodes)
    list += (list.empty() ? "" : "\",\"") + n->address();
  return "hosts.list=[\"" + list + "\"]";
}

/// metrics.csv without the columns measured on the real clock (time_seconds
/// and compute_seconds, the second and the 13th), the only ones a run across
/// processes may differ in.
inline std::string metrics_without_time(const std::filesystem::path& run) {
  std::istringstream in{slurp(run / "metrics.csv")};
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    std::istringstream cells{line};
    std::string cell;
    for (int column = 1; std::getline(cells, cell, ','); ++column)
      if (column != 2 && column != 13)
        out += cell + ",";
    out += "\n";
  }
  return out;
}

/// The bytes_sent column (the ninth) of the last metrics row: the model
/// bytes all agents sent up to the end of the run.
inline double final_bytes_sent(const std::filesystem::path& run) {
  std::istringstream rows{slurp(run / "metrics.csv")};
  std::string row;
  std::string last;
  while (std::getline(rows, row))
    last = row;
  std::istringstream cells{last};
  std::string cell;
  for (int column = 0; column < 9; ++column)
    std::getline(cells, cell, ',');
  return std::stod(cell);
}

/// The sum of sent and received over the launcher's log lines that begin
/// "murmur: TCP bytes between " + `which` ("the launcher and " for the
/// launcher's own links, "node " for the links between nodes) and end
/// ": sent S, received R".
inline std::uint64_t tcp_bytes(const std::string& log,
                               const std::string& which) {
  std::uint64_t total = 0;
  std::istringstream in{log};
  std::string line;
  const std::string tag = "murmur: TCP bytes between " + which;
  while (std::getline(in, line)) {
    if (line.rfind(tag, 0) != 0)
      continue;
    auto sent = line.find(": sent ");
    auto received = line.find(", received ");
    total += std::stoull(line.substr(sent + 7)) +
             std::stoull(line.substr(received + 11));
  }
  return total;
}

} // namespace murmur::testing
