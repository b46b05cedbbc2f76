// Direct node-to-node links against the launcher as a hub, on links shaped
// like a cluster's: a launcher and four `murmur node`s, each in a network
// namespace of the test's own, joined by a bridge, every host's link to the
// bridge rate-limited with tc in both directions (root only; skipped visibly
// otherwise). With 12 agents placed round-robin every ring edge joins two
// nodes: relayed, all 24 model copies of a round cross the launcher's one
// link; direct, each node's link carries its own 6.
#include "tests/hosts_support.hpp"
#include "tests/processes.hpp"
#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <sstream>

namespace fs = std::filesystem;
using namespace murmur;
using namespace murmur::testing;

namespace {

/// Hosts 0..n-1, each a network namespace with one veth to a bridge in a
/// namespace of its own, addresses 10.232.X.(i + 1)/24; both directions of
/// every host's veth shaped to `rate` with tc tbf. Removed with the object
/// (deleting a namespace deletes its links); `ok` is false where that is
/// not permitted.
class bridged_hosts {
public:
  bridged_hosts(std::size_t n, const std::string& rate) {
    auto tag = std::to_string(::getpid() % 100000);
    auto net = "10.232." + std::to_string(::getpid() % 250) + ".";
    sw_ = "murmur-sw" + tag;
    ok_ = ::geteuid() == 0 && sh("ip netns add " + sw_) &&
          sh(in(sw_) + "ip link add br0 type bridge") &&
          sh(in(sw_) + "ip link set br0 up");
    for (std::size_t i = 0; ok_ && i < n; ++i) {
      auto host = "murmur-h" + std::to_string(i) + "-" + tag;
      auto port = "s" + std::to_string(i);
      hosts_.push_back(host);
      ips_.push_back(net + std::to_string(i + 1));
      // tbf drops packets above its burst; 32 kB holds many Ethernet frames.
      // A queue of 500 ms: a heartbeat behind it still arrives well within
      // hosts.timeout.
      auto shape = " root tbf rate " + rate + " burst 32kb latency 500ms";
      ok_ = sh("ip netns add " + host) &&
            sh("ip link add eth0 netns " + host + " type veth peer name " +
               port + " netns " + sw_) &&
            sh(in(sw_) + "ip link set " + port + " master br0 up") &&
            sh(in(host) + "ip addr add " + ips_.back() + "/24 dev eth0") &&
            sh(in(host) + "ip link set eth0 up") &&
            sh(in(host) + "ip link set lo up") &&
            sh(in(host) + "tc qdisc add dev eth0" + shape) &&
            sh(in(sw_) + "tc qdisc add dev " + port + shape);
    }
  }
  ~bridged_hosts() {
    for (auto& h : hosts_)
      sh("ip netns del " + h);
    sh("ip netns del " + sw_);
  }
  bridged_hosts(const bridged_hosts&) = delete;
  bridged_hosts& operator=(const bridged_hosts&) = delete;

  bool ok() const { return ok_; }
  const std::string& ip(std::size_t i) const { return ips_[i]; }
  std::vector<std::string> prefix(std::size_t i) const {
    return {"ip", "netns", "exec", hosts_[i]};
  }

private:
  static bool sh(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
  }
  static std::string in(const std::string& ns) {
    return "ip netns exec " + ns + " ";
  }

  std::string sw_;
  std::vector<std::string> hosts_;
  std::vector<std::string> ips_;
  bool ok_ = false;
};

/// Seconds per round as the agents lived them: the mean over agents of
/// their computing plus waiting seconds (agents.csv), over `rounds`. The
/// metrics rows' times would also count how long each evaluation took to
/// finish, which on a saturated launcher link lags the rounds.
double seconds_per_round(const fs::path& run, int rounds) {
  auto busy = agents_column(run, 2); // agent,steps,busy_seconds,idle_seconds
  auto idle = agents_column(run, 3);
  REQUIRE(!busy.empty());
  double total = 0;
  for (std::size_t i = 0; i < busy.size(); ++i)
    total += busy[i] + idle[i];
  return total / static_cast<double>(busy.size()) / rounds;
}

} // namespace

TEST_CASE("on shaped links, direct node links beat the launcher as a hub") {
  if (!have_openssl())
    return testing::skip("no openssl CLI to make certificates");
  constexpr std::size_t nodes = 4;
  bridged_hosts net{nodes + 1, "16mbit"}; // 2 MB/s each way per host
  if (!net.ok())
    return testing::skip("network namespaces, bridges or tc are not "
                         "permitted here");
  scratch_dir s{"bridged"};
  std::vector<std::string> names{"launcher"};
  for (std::size_t k = 0; k < nodes; ++k)
    names.push_back("n" + std::to_string(k));
  make_pki(s.path(), "ca", names);
  // An MLP of 50,004 parameters (200 kB a model): a round moves 1.2 MB over
  // each node's link when direct (0.6 s at 2 MB/s) and 4.8 MB over the
  // launcher's when relayed (2.4 s); the evaluation at the end sends the
  // observer 12 models either way.
  constexpr int rounds = 8;
  auto sets = mlp_ring(s.path() / "out", 2000, 12, rounds, rounds);
  sets.push_back("eval.test_samples=200");
  auto local = sets;
  local.push_back("run.name=local");
  REQUIRE(launch(local, s.path() / "local.log", 60) == 0);

  struct measured {
    double seconds_per_round = 0;
    double model_bytes = 0;    ///< modelled: what the agents sent
    double launcher_bytes = 0; ///< TCP, over the launcher's links
    double node_bytes = 0;     ///< TCP, over links between nodes
  };
  auto run_spread = [&](const std::string& routing) {
    std::vector<std::unique_ptr<node_process>> hosted;
    std::vector<node_process*> list;
    for (std::size_t k = 0; k < nodes; ++k) {
      hosted.push_back(std::make_unique<node_process>(
        node_tls(s.path(), "ca", names[k + 1], liveness::saturated),
        s.path() / (routing + "-n" + std::to_string(k) + ".log"), net.ip(k + 1),
        net.prefix(k + 1)));
      list.push_back(hosted.back().get());
    }
    auto spread = sets;
    auto tls = launcher_tls(s.path(), "ca", "launcher", liveness::saturated);
    spread.insert(spread.end(), tls.begin(), tls.end());
    spread.insert(spread.end(),
                  {"run.name=" + routing, "hosts.routing=" + routing,
                   "hosts.placement=round-robin", "hosts.wait=20",
                   hosts_of(list)});
    auto log = s.path() / (routing + ".log");
    auto code = launch(spread, log, 120, nullptr, net.prefix(0));
    auto text = slurp(log);
    INFO(routing << " run:\n"
                 << text << slurp(s.path() / (routing + "-n0.log")));
    REQUIRE(code == 0);
    // Saturated links still deliver bytes: nobody is declared lost (at
    // liveness::saturated's timeout, which outlasts retransmission stalls).
    CHECK_FALSE(contains(text, "lost"));
    auto run = s.path() / "out" / routing;
    CHECK(metrics_without_time(run) ==
          metrics_without_time(s.path() / "out" / "local"));
    return measured{seconds_per_round(run, rounds), final_bytes_sent(run),
                    static_cast<double>(tcp_bytes(text, "the launcher and ")),
                    static_cast<double>(tcp_bytes(text, "node "))};
  };
  auto direct = run_spread("direct");
  auto relayed = run_spread("launcher");
  CAPTURE(direct.seconds_per_round);
  CAPTURE(relayed.seconds_per_round);
  CHECK(relayed.seconds_per_round > 2.5 * direct.seconds_per_round);
  // Direct: the models cross between nodes (TLS records add a little), the
  // launcher sees the evaluations' reports, sums and averages only.
  // Relayed: every model goes into the launcher and out again.
  CAPTURE(direct.model_bytes);
  CAPTURE(direct.node_bytes);
  CAPTURE(direct.launcher_bytes);
  CHECK(direct.node_bytes > direct.model_bytes);
  CHECK(direct.launcher_bytes < 0.25 * direct.model_bytes);
  CAPTURE(relayed.launcher_bytes);
  CHECK(relayed.node_bytes == 0);
  CHECK(relayed.launcher_bytes > 2 * relayed.model_bytes);
}
