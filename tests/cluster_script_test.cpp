// experiments/cluster.sh: a hostfile-driven start. The nodes are started
// through MURMUR_SSH, here a stand-in for ssh that runs the command on this
// machine, so the script's whole path (parsing the hostfile, starting the
// nodes, reading their addresses, launching, stopping them) runs on
// loopback.
#include "core/data/dataset.hpp"
#include "tests/hosts_support.hpp"
#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <fstream>

namespace fs = std::filesystem;
using namespace murmur::testing;

namespace {

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out{p};
  out << text;
  REQUIRE(out.good());
}

/// Runs the script with `args` (at most 120 s), its output in `log`; the
/// script's exit code.
int cluster(const fs::path& dir, const std::string& args, const fs::path& log) {
  auto ssh = dir / "fake-ssh";
  write_file(ssh, "#!/bin/sh\nshift\nexec \"$@\"\n"); // drops HOST
  fs::permissions(ssh, fs::perms::owner_all);
  auto cmd = "MURMUR=" + std::string{MURMUR_BINARY} +
             " MURMUR_SSH=" + ssh.string() +
             " NODE_FLAGS=--insecure NODE_WAIT=20 timeout 120 bash " +
             MURMUR_SOURCE_DIR "/experiments/cluster.sh " + args + " >" +
             log.string() + " 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string run_sets(const fs::path& out, const std::string& name) {
  return "--set data.name=synthetic run.agents=6 run.rounds=20 "
         "run.eval_every=10 run.threads=1 topology.kind=ring "
         "algorithm.name=dpsgd hosts.insecure=true "
         "hosts.placement=round-robin run.name=" +
         name + " run.output='\"" + out.string() + "\"'";
}

} // namespace

TEST_CASE("cluster.sh starts the hostfile's nodes, runs, and stops them") {
  scratch_dir s{"cluster"};
  auto out = s.path() / "out";
  auto local_cmd = "MURMUR_CTEST=1 " + std::string{MURMUR_BINARY} +
                   " run /dev/null " + run_sets(out, "local") + " >" +
                   (s.path() / "local.log").string() + " 2>&1";
  REQUIRE(std::system(local_cmd.c_str()) == 0);
  write_file(s.path() / "hosts", "# two nodes on this machine\n"
                                 "127.0.0.1 0 1\n"
                                 "127.0.0.1      # port and threads default\n");
  auto log = s.path() / "cluster.log";
  auto code = cluster(s.path(),
                      (s.path() / "hosts").string() + " /dev/null " +
                        run_sets(out, "spread"),
                      log);
  auto text = slurp(log);
  INFO(text);
  REQUIRE(code == 0);
  CHECK(contains(text, "cluster.sh: nodes 127.0.0.1:"));
  CHECK(contains(text, "placement round-robin"));
  CHECK(metrics_without_time(out / "spread") ==
        metrics_without_time(out / "local"));
}

TEST_CASE("cluster.sh hands each node its own data path") {
  if (!fs::exists(murmur::default_fashion_mnist_dir))
    return skip(std::string{murmur::default_fashion_mnist_dir} +
                " is absent (experiments/setup.sh installs it)");
  scratch_dir s{"clusterdata"};
  // The launcher reads the dataset at the config's data.path (the default);
  // the second node at its hostfile path, here another name for the same
  // files, then a path that does not exist, which only the node can name.
  fs::create_directory_symlink(murmur::default_fashion_mnist_dir,
                               s.path() / "copy");
  auto sets = " /dev/null --set data.name=fashion-mnist run.agents=4 "
              "run.rounds=2 run.eval_every=2 run.threads=1 "
              "eval.test_samples=500 hosts.insecure=true run.output='\"" +
              (s.path() / "out").string() + "\"'";
  write_file(s.path() / "hosts", "127.0.0.1 0 1\n127.0.0.1 0 1 " +
                                   (s.path() / "copy").string() + "\n");
  auto log = s.path() / "cluster.log";
  CHECK(cluster(s.path(), (s.path() / "hosts").string() + sets, log) == 0);
  write_file(s.path() / "hosts",
             "127.0.0.1 0 1\n127.0.0.1 0 1 /nonexistent-murmur-data\n");
  auto code = cluster(s.path(), (s.path() / "hosts").string() + sets, log);
  auto text = slurp(log);
  INFO(text);
  CHECK(code != 0);
  CHECK(code != 124); // refused, not stopped by the time limit
  CHECK(contains(text, "did not spawn its agents"));
  CHECK(contains(text, "/nonexistent-murmur-data"));
}

TEST_CASE("cluster.sh refuses a bad hostfile in one line, exit 2") {
  scratch_dir s{"clusterbad"};
  auto log = s.path() / "cluster.log";
  CHECK(cluster(s.path(), (s.path() / "missing").string() + " /dev/null",
                log) == 2);
  CHECK(contains(slurp(log), "no hostfile"));
  write_file(s.path() / "hosts", "127.0.0.1 port7000\n");
  CHECK(cluster(s.path(), (s.path() / "hosts").string() + " /dev/null", log) ==
        2);
  CHECK(contains(slurp(log), "port 'port7000' of 127.0.0.1 is not a number"));
  write_file(s.path() / "hosts", "# nobody\n\n");
  CHECK(cluster(s.path(), (s.path() / "hosts").string() + " /dev/null", log) ==
        2);
  CHECK(contains(slurp(log), "names no host"));
}
