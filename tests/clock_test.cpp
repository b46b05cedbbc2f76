// Time: the virtual clock's determinism and cost model, scripted and live
// straggler injection.
#include "experiments/cli/run_command.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace murmur;
namespace fs = std::filesystem;

namespace {

using testing::agents_column;
using testing::slurp;

/// A scratch folder whose path reads like the old `dir` member.
struct scratch {
  testing::scratch_dir tmp;
  const fs::path& dir;
  explicit scratch(const std::string& tag)
    : tmp("clock-" + tag), dir(tmp.path()) {}
};

run_config virtual_config(const fs::path& out,
                          const std::vector<std::string>& extra) {
  std::vector<std::string> sets{"data.name=synthetic",
                                "clock.kind=virtual",
                                "cost.step_seconds=0.1",
                                "run.agents=16",
                                "run.rounds=40",
                                "run.eval_every=10",
                                "optimizer.lr=0.2",
                                "run.output=\"" + out.string() + "\"",
                                "run.name=v"};
  sets.insert(sets.end(), extra.begin(), extra.end());
  return load_config("", sets);
}

/// Seconds per round between two evaluated rounds of a run.
double round_seconds(const run_result& r, std::size_t from, std::size_t to) {
  auto& a = r.rows.at(from);
  auto& b = r.rows.at(to);
  return (b.time_seconds - a.time_seconds) /
         static_cast<double>(b.round - a.round);
}

} // namespace

TEST_CASE("a virtual run is byte-identical with 1 and 2 threads") {
  scratch s{"threads"};
  auto extra = std::vector<std::string>{
    "cost.speed=lognormal",         "network.latency=0.005",
    "network.uplink=1e6",           "network.downlink=2e6",
    "stragglers.delay=exponential", "stragglers.delay_mean=0.02"};
  auto one = virtual_config(s.dir, extra);
  one.run.threads = 1;
  auto two = virtual_config(s.dir, extra);
  two.run.threads = 2;
  auto a = run_experiment(one, false);
  auto b = run_experiment(two, false);
  auto csv = slurp(a.folder / "metrics.csv");
  CHECK(csv.size() > 200);
  CHECK(csv == slurp(b.folder / "metrics.csv"));
  CHECK(slurp(a.folder / "agents.csv") == slurp(b.folder / "agents.csv"));
  // Simulated time moved: 40 rounds of >= 0.1 s compute each.
  CHECK(a.rows.back().time_seconds > 4.0);
}

TEST_CASE("a 10x straggler sets the synchronous round time") {
  scratch s{"straggler"};
  auto slow = run_experiment(
    virtual_config(s.dir, {"stragglers.agents=[0]", "stragglers.slowdown=10"}),
    false);
  auto fast = run_experiment(virtual_config(s.dir, {}), false);
  // Agent 0 needs 10 x 0.1 s per round and every other agent waits for it
  // through the ring: the cost model says 1 s per round, exactly.
  CHECK(round_seconds(slow, 1, 4) == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(round_seconds(fast, 1, 4) == doctest::Approx(0.1).epsilon(1e-9));
  auto agents = slurp(slow.folder / "agents.csv");
  CHECK(agents.find("\n0,40,40.0") != std::string::npos); // 40 s busy
  // Same seed: the straggler changes time, never the numbers learned.
  CHECK(slow.rows.back().test_loss == fast.rows.back().test_loss);
}

TEST_CASE("a real-clock run logs its set-up steps and a virtual one does not") {
  scratch s{"setup"};
  auto real = run_experiment(
    virtual_config(s.dir, {"clock.kind=real", "run.rounds=5", "run.name=r"}),
    false);
  auto events = slurp(real.folder / "events.csv");
  CAPTURE(events);
  auto spawned = events.find(",runtime,\"spawned and wired 16 agents in ");
  auto built = events.find(",runtime,\"built the state of 16 agents in ");
  REQUIRE(spawned != std::string::npos);
  REQUIRE(built != std::string::npos);
  CHECK(spawned < built);
  CHECK(events.find(" s\",\"measured\"", built) != std::string::npos);
  // Wall times would break the virtual clock's same bytes at any thread
  // count: its events.csv holds only the run's own events.
  auto virt = run_experiment(virtual_config(s.dir, {"run.rounds=5"}), false);
  CHECK(slurp(virt.folder / "events.csv").find("runtime") == std::string::npos);
}

TEST_CASE("scripted slowdowns happen at their virtual time and are undone") {
  scratch s{"script"};
  auto r = run_experiment(
    virtual_config(s.dir, {"stragglers.events=[\"at 1s slow 3 10x for 2s\"]",
                           "run.rounds=50", "run.eval_every=5"}),
    false);
  auto events = slurp(r.folder / "events.csv");
  CHECK(events.find("1.000000,script,\"slow 3 10x\",\"ok\"") !=
        std::string::npos);
  CHECK(events.find("3.000000,script,\"slow 3 1x\",\"ok\"") !=
        std::string::npos);
  // Before the window: 0.1 s rounds; inside it: 1 s rounds; after: 0.1 s.
  CHECK(round_seconds(r, 0, 2) == doctest::Approx(0.1).epsilon(1e-9));
  CHECK(r.rows.back().time_seconds >
        4.0); // 2 s window cost ~1.8 s extra over 5 s
}

namespace {

/// Runs 8 agents started paused, slows agent 3 through `murmur ctl`, then
/// resumes them all. With `refusal`, an unknown agent is also sent (while
/// still paused: a run with a time budget, whose clock runs meanwhile, goes
/// without, so that a slow `ctl` start cannot use up its budget).
fs::path run_with_ctl_slowdown(const scratch& s, const std::string& sets,
                               bool refusal) {
  int port = 20000 + static_cast<int>(::getpid() % 20000);
  std::string bin = MURMUR_BINARY;
  auto out = s.dir / "out";
  // Every agent starts paused, so however long `ctl` takes to connect on a
  // loaded machine, the slowdown is in place before the first step counts
  // (a time budget keeps running meanwhile: it must cover the connect).
  std::string run_cmd =
    bin + " run " + MURMUR_SOURCE_DIR + "/experiments/quickstart.toml" +
    " --set data.name=synthetic run.agents=8 run.threads=2 " + sets +
    " 'stragglers.events=[\"at 0s pause 0-7\"]' control.port=" +
    std::to_string(port) + " run.output=\\\"" + out.string() +
    "\\\" run.name=live > " + (s.dir / "log").string() + " 2>&1";
  std::thread runner{[&] { CHECK(std::system(run_cmd.c_str()) == 0); }};
  auto ctl = [&](const std::string& command, const std::string& reply_file) {
    auto cmd = bin + " ctl --port " + std::to_string(port) + " " + command +
               " > " + (s.dir / reply_file).string() + " 2>&1";
    return std::system(cmd.c_str());
  };
  std::string reply;
  for (int attempt = 0; attempt < 200 && reply.find("ok") != 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (ctl("slow 3 10x", "reply") == 0)
      reply = slurp(s.dir / "reply");
  }
  int bad_exit = refusal ? ctl("slow 99 2x", "bad") : 1;
  int resume_exit = ctl("resume 0-7", "resume");
  runner.join();
  CHECK(reply.rfind("ok: slow 3 10x", 0) == 0);
  CHECK(resume_exit == 0);
  auto folder = out / "live";
  REQUIRE(fs::exists(folder / "summary.json"));
  auto events = slurp(folder / "events.csv");
  CHECK(events.find(",ctl,\"slow 3 10x\",\"ok\"") != std::string::npos);
  if (refusal) {
    CHECK(bad_exit != 0);
    CHECK(slurp(s.dir / "bad").find("agent 99 does not exist") !=
          std::string::npos);
    CHECK(events.find(",ctl,\"slow 99 2x\",\"error: agent 99") !=
          std::string::npos);
  }
  return folder;
}

} // namespace

TEST_CASE("murmur ctl slows an agent of a real-clock D-PSGD run") {
  scratch s{"ctl"};
  auto folder = run_with_ctl_slowdown(
    s, "run.rounds=150 run.eval_every=50 cost.step_seconds=0.01", true);
  // Synchronous rounds keep step counts equal: agent 3 computed 10x as long
  // per step from the injection on, and its ring neighbours spent that time
  // waiting for it.
  auto busy = agents_column(folder, 2);
  auto idle = agents_column(folder, 3);
  REQUIRE(busy.size() == 8);
  CHECK(busy[3] > 3 * busy[0]);
  CHECK(idle[2] > 3 * idle[3]);
  CHECK(idle[4] > 3 * idle[3]);
}

TEST_CASE("murmur ctl slows an asynchronous (DRACO) agent's steps only") {
  scratch s{"ctl-draco"};
  auto folder = run_with_ctl_slowdown(
    s,
    "algorithm.name=draco algorithm.compute_rate=50 "
    "algorithm.comm_rate=50 run.time_budget=6 run.eval_seconds=0.5",
    false);
  // Nobody waits: agent 3's step count falls behind its neighbours' by about
  // the factor, while its communication clock keeps broadcasting.
  auto steps = agents_column(folder, 1);
  auto sent = agents_column(folder, 5);
  REQUIRE(steps.size() == 8);
  CHECK(steps[3] < steps[2] / 3);
  CHECK(steps[3] < steps[4] / 3);
  CHECK(sent[3] > sent[2] / 2);
  CHECK(sent[3] > sent[4] / 2);
}

TEST_CASE("a killed agent leaves, its neighbours go on with what arrives") {
  scratch s{"kill"};
  auto r = run_experiment(
    virtual_config(s.dir, {"run.agents=8", "stragglers.events=[\"at "
                                           "1.05s kill 3\"]"}),
    false);
  REQUIRE(r.rows.back().round == 40);
  auto events = slurp(r.folder / "events.csv");
  CHECK(events.find("1.050000,script,\"kill 3\",\"ok\"") != std::string::npos);
  std::istringstream agents{slurp(r.folder / "agents.csv")};
  std::string line;
  std::getline(agents, line);
  std::vector<std::uint64_t> steps;
  while (std::getline(agents, line))
    steps.push_back(std::stoull(line.substr(line.find(',') + 1)));
  REQUIRE(steps.size() == 8);
  CHECK(steps[3] < 15); // stopped around round 10 of 40
  for (std::size_t i = 0; i < 8; ++i)
    if (i != 3)
      CHECK(steps[i] == 40);
  // The survivors still learn and still agree.
  CHECK(r.rows.back().test_accuracy > 0.8);
}
