// The murmur binary as a user meets it: bad input gets one line naming the
// field, a non-zero exit, and no results folder that looks complete.
#include "tests/command.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace murmur;

namespace {

testing::command_result run(const std::string& args) {
  return testing::murmur(args);
}

std::size_t lines(const std::string& s) {
  return testing::count_lines(s);
}

bool has_results(const fs::path& dir) {
  return fs::exists(dir / "out") && !fs::is_empty(dir / "out");
}

void check_rejected(const std::string& toml, const std::string& field,
                    const std::string& extra = "") {
  testing::scratch_dir s{"cli"};
  auto cfg = s.write("bad.toml", toml + "\n[run]\noutput = \"" +
                                   (s.path() / "out").string() + "\"\n");
  auto r = run("run " + cfg.string() + " " + extra);
  CAPTURE(toml);
  CAPTURE(r.output);
  CHECK(r.exit_code != 0);
  CHECK(lines(r.output) == 1);
  CHECK(r.output.find(field) != std::string::npos);
  CHECK(!has_results(s.path()));
}

} // namespace

TEST_CASE("bad configs are refused with one line naming the field") {
  check_rejected("bogus = 3", "bogus");
  check_rejected("[optimizer]\nlrr = 0.1", "did you mean optimizer.lr");
  check_rejected("[algorithm]\nname = \"dspgd\"", "algorithm.name");
  check_rejected("[topology]\nkind = \"rign\"", "topology.kind");
  check_rejected("", "run.agents", "--set run.agents=0");
  check_rejected("[partition]\nkind = \"dirichlet\"\nalpha = 0",
                 "partition.alpha");
  check_rejected("[partition]\nkind = \"dirichlet\"\nalpha = -0.5",
                 "partition.alpha");
  check_rejected("[data]\npath = \"/nonexistent/fmnist\"",
                 "dataset-fashion-mnist");
  check_rejected("[run\nagents = 3", "bad.toml:1");
}

TEST_CASE("a missing config file is one clear line") {
  auto r = run("run /nonexistent/x.toml");
  CHECK(r.exit_code != 0);
  CHECK(lines(r.output) == 1);
  CHECK(r.output.find("/nonexistent/x.toml") != std::string::npos);
}

TEST_CASE("topology command prints the ring's closed-form spectral gap") {
  auto r = run("topology ring --agents 16");
  CHECK(r.exit_code == 0);
  // 1 - (1/3 + 2/3 cos(2 pi / 16)) = 0.0507...
  CHECK(r.output.find("spectral gap 0.0507") != std::string::npos);
  CHECK(r.output.find("diameter 8") != std::string::npos);
}

TEST_CASE("bad network input exits with code 2 and one line") {
  testing::scratch_dir s{"cli-network"};
  auto rows = s.write("caps.csv", "1e6,2e6\n3e6,4e6\n");
  auto cfg = s.write("net.toml", "[data]\nname = \"synthetic\"\n[run]\n"
                                 "agents = 4\noutput = \"" +
                                   (s.path() / "out").string() + "\"\n");
  std::vector<std::string> sets{"network.sharing=fair", "network.uplink=0",
                                "network.capacity=trace "
                                "network.capacity_trace=" +
                                  rows.string()};
  for (auto& set : sets) {
    auto r = run("run " + cfg.string() + " --set " + set);
    CAPTURE(r.output);
    CHECK(r.exit_code == 2);
    CHECK(lines(r.output) == 1);
    CHECK(r.output.find("network.") != std::string::npos);
    CHECK(!has_results(s.path()));
  }
}

TEST_CASE("sweep refuses a tuning seed it also reports: exit 2, one line, "
          "nothing written") {
  testing::scratch_dir s{"cli-sweep"};
  auto file =
    s.write("s.sweep.toml", "tuning_seed = 3\nseeds = [1, 2, 3]\n[[method]]\n"
                            "name = \"dpsgd\"\n");
  auto out = s.path() / "out";
  auto r = run("sweep " + file.string() + " --output " + out.string());
  CAPTURE(r.output);
  CHECK(r.exit_code == 2);
  CHECK(lines(r.output) == 1);
  CHECK(r.output.find("tuning_seed: 3 is also a reported seed") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("report and plot refuse an incomplete run folder: exit 2, one "
          "line") {
  testing::scratch_dir s{"cli-incomplete"};
  auto folder = s.path() / "r.incomplete";
  fs::create_directories(folder);
  std::ofstream{folder / "metrics.csv"}
    << "round,time_seconds,test_accuracy,min_agent_accuracy\n0,0,0.1,0.1\n";
  std::ofstream{folder / "config.toml"} << "seed = 1\n";
  for (std::string command :
       {"report " + folder.string(),
        "plot " + folder.string() + " -o " + (s.path() / "p.png").string()}) {
    auto r = run(command);
    CAPTURE(r.output);
    CHECK(r.exit_code == 2);
    CHECK(lines(r.output) == 1);
    CHECK(r.output.find("r.incomplete is an incomplete run") !=
          std::string::npos);
    CHECK(r.output.find("--allow-incomplete") != std::string::npos);
  }
  auto r = run("report --allow-incomplete " + folder.string());
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("| 1* |") != std::string::npos);
  CHECK_FALSE(fs::exists(s.path() / "p.png"));
}

TEST_CASE("experiments/config-reference.md is what murmur keys --markdown "
          "prints") {
  auto r = testing::murmur("keys --markdown 2>/dev/null");
  REQUIRE(r.exit_code == 0);
  auto file =
    testing::slurp(MURMUR_SOURCE_DIR "/experiments/config-reference.md");
  // On a mismatch: build/murmur keys --markdown >
  // experiments/config-reference.md
  CHECK(r.output == file);
  CHECK(testing::contains(file, "| `optimizer.lr` |"));
  CHECK(testing::contains(file, "### algorithm.name = \"relaysgd\""));
}
