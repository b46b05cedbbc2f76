// Bad input as a new user types it: every case ends within its deadline,
// with one line naming the field (or flag) and the fix, a non-zero exit, and
// no results folder that looks complete.
#include "tests/command.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace murmur;
using testing::contains;

namespace {

/// A tiny synthetic run that writes into `out` (its config beside it).
std::string tiny(const fs::path& out, const std::string& more = "") {
  auto config = out.parent_path() / "tiny.toml";
  if (!fs::exists(config))
    std::ofstream{config} << "[data]\nname = \"synthetic\"\n";
  return "run " + config.string() +
         " --set run.agents=4 --set run.rounds=20 --set run.eval_every=5 "
         "--set run.output=" +
         out.string() + " --set run.name=t " + more;
}

/// What a refused command must look like: exit 2, one line naming `field`.
void check_refused(const testing::command_result& r, const std::string& field) {
  CAPTURE(r.output);
  CHECK(r.exit_code == 2);
  CHECK(testing::count_lines(r.output) == 1);
  CHECK(contains(r.output, field));
}

/// Folders under `out`: none may look complete.
bool any_complete(const fs::path& out) {
  if (!fs::exists(out))
    return false;
  for (auto& e : fs::directory_iterator(out))
    if (e.path().extension() != ".incomplete")
      return true;
  return false;
}

} // namespace

TEST_CASE("a taken control port fails at once, before any folder exists") {
  testing::scratch_dir s{"port"};
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto port = std::to_string(ntohs(addr.sin_port));
  auto r =
    testing::murmur(tiny(s.path() / "out", "--set control.port=" + port), 30);
  ::close(fd);
  check_refused(r, "control.port: cannot listen on 127.0.0.1:" + port);
  CHECK_FALSE(fs::exists(s.path() / "out" / "t.incomplete"));
}

TEST_CASE("a write that fails (file size limit) exits non-zero naming the "
          "file and leaves no complete-looking folder") {
  testing::scratch_dir s{"full"};
  // With SIGXFSZ ignored, writes past the limit fail with EFBIG, as on a
  // full disk: metrics.csv outgrows a few KiB within its 200 rows.
  auto r = testing::murmur(
    tiny(s.path() / "out", "--set run.rounds=200 --set run.eval_every=1"), 60,
    "trap '' XFSZ; ulimit -f 8;");
  CAPTURE(r.output);
  CHECK(r.exit_code != 0);
  CHECK(r.exit_code != -1);
  CHECK(contains(r.output, "metrics.csv"));
  CHECK_FALSE(any_complete(s.path() / "out"));
}

TEST_CASE("a run that diverges stops at the first non-finite loss") {
  testing::scratch_dir s{"nan"};
  auto r = testing::murmur(tiny(s.path() / "out", "--set optimizer.lr=1e308"));
  CAPTURE(r.output);
  CHECK(r.exit_code == 3);
  CHECK(contains(r.output, "diverged"));
  CHECK(contains(r.output, "optimizer.lr"));
  auto summary = testing::slurp(s.path() / "out" / "t" / "summary.json");
  CHECK(contains(summary, "\"stopped_by\": \"diverged\""));
}

TEST_CASE("config files that are not configs are refused without reading "
          "them") {
  testing::scratch_dir s{"files"};
  check_refused(testing::murmur("run " + s.path().string(), 10),
                "a directory, not a config file");
  check_refused(testing::murmur("run /dev/zero", 10), "larger than 1 MiB");
  auto big = s.write("big.toml", std::string(2 << 20, '#'));
  check_refused(testing::murmur("run " + big.string(), 10),
                "larger than 1 MiB");
}

TEST_CASE("sizes beyond the machine are refused with the estimate") {
  testing::scratch_dir s{"huge"};
  auto out = s.path() / "out";
  check_refused(testing::murmur("topology ring --agents 1000000000", 20),
                "needs about");
  check_refused(testing::murmur("topology ring --agents -1", 10), "--agents");
  check_refused(testing::murmur("topology complete --agents 100000", 10),
                "needs about");
  auto big_ring = testing::murmur("topology ring --agents 100000", 20);
  CHECK(big_ring.exit_code == 0);
  CHECK(contains(big_ring.output, "spectral gap not computed above"));
  check_refused(testing::murmur(tiny(out, "--set model.kind=mlp "
                                          "--set model.hidden=[100000000]"),
                                20),
                "run.agents x model parameters");
  check_refused(
    testing::murmur(tiny(out, "--set data.synthetic.train_size=100000000000"),
                    20),
    "data.synthetic.train_size x dim");
  check_refused(testing::murmur(tiny(out, "--set run.threads=100000"), 10),
                "run.threads: must be in [0, ");
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("values that used to be accepted silently are refused by name") {
  testing::scratch_dir s{"silent"};
  auto out = s.path() / "out";
  check_refused(testing::murmur(tiny(out, "--set topology.kind=torus "
                                          "--set run.agents=13"),
                                10),
                "topology.kind: a torus of 13 agents");
  check_refused(testing::murmur(tiny(out, "--set control.port=70000"), 10),
                "control.port: must be in [0, 65535]");
  check_refused(testing::murmur(tiny(out, "--set topology.kind=erdos-renyi "
                                          "--set topology.probability=0"),
                                10),
                "topology.probability: must be in (0, 1], got 0");
  check_refused(testing::murmur(tiny(out, "--set optimizer.lr=inf"), 10),
                "optimizer.lr: must be a finite number > 0, got inf");
  check_refused(
    testing::murmur(tiny(out, "--set run.name=" + std::string(5000, 'x')), 10),
    "run.name: must be a plain folder name");
  // A name that only looks like a loopback address may resolve anywhere.
  check_refused(
    testing::murmur(tiny(out, "--hosts 127.attacker.example:4000 --set "
                              "hosts.insecure=true"),
                    10),
    "hosts.insecure: plain TCP is allowed on loopback only");
  check_refused(testing::murmur(tiny(out, "--set dashboard.speed=1e-9"), 10),
                "dashboard.speed: give 0 (as fast as possible) or a ratio");
  CHECK_FALSE(fs::exists(out));
  // A minibatch larger than a shard is legal (small shards happen) but said.
  auto r = testing::murmur(tiny(out, "--set run.batch_size=5000"));
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "warning: run.batch_size = 5000 exceeds 4 agent"));
}

TEST_CASE("command-line mistakes exit 2 with one line") {
  check_refused(testing::murmur("rnu x.toml", 10),
                "unknown command 'rnu'; use one of:");
  check_refused(testing::murmur("run", 10), "config is required");
  check_refused(testing::murmur("bench dpsgd --agents x", 10), "--agents");
  check_refused(testing::murmur("node --timeout 0.1 --heartbeat 0.5", 10),
                "--timeout: must exceed --heartbeat");
  for (auto bad : {"0", "-1", "nan"})
    check_refused(
      testing::murmur(std::string{"node --insecure --heartbeat "} + bad, 10),
      "--heartbeat: must be in [0.01, 3600]");
  check_refused(testing::murmur("node --insecure --threads -3", 10),
                "--threads: must be in [0, ");
}

TEST_CASE("a launcher pointed at a closed port says so without blaming the "
          "wait") {
  testing::scratch_dir s{"closedport"};
  auto r = testing::murmur(
    tiny(s.path() / "out",
         "--hosts 127.0.0.1:1 --set hosts.insecure=true --set hosts.wait=30"),
    25);
  CAPTURE(r.output);
  CHECK(r.exit_code != 0);
  CHECK(contains(r.output, "no node at 127.0.0.1:1 ("));
  CHECK_FALSE(contains(r.output, "within"));
  CHECK_FALSE(any_complete(s.path() / "out"));
}
