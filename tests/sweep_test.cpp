// murmur sweep: the sweep file's checks, grids, the choice of each method's
// best point on the tuning seed, and whole sweeps of tiny runs (subprocesses
// of the murmur binary): resumed after an interruption, with a failing
// method, and experiments/relaysgd_dirichlet.sweep.toml at smoke size.
#include "experiments/cli/run_record.hpp"
#include "experiments/cli/sweep_command.hpp"
#include "experiments/cli/sweep_figures.hpp"
#include "experiments/cli/sweep_select.hpp"
#include "experiments/cli/sweep_spec.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace murmur;
using testing::contains;
using testing::error_of;
using testing::slurp;

namespace {

/// Tiny runs: 4 agents, 12 rounds on the synthetic set under the virtual
/// clock (deterministic, so a rerun gives the same bytes).
const char* tiny_runs =
  "set = { data.name = \"synthetic\", run.agents = 4, run.rounds = 12, "
  "run.eval_every = 4, run.threads = 1, clock.kind = \"virtual\", "
  "eval.test_samples = 200, topology.kind = \"ring\" }\n";

const char* two_methods = "[[method]]\n"
                          "name = \"dpsgd\"\n"
                          "set = { algorithm.name = \"dpsgd\" }\n"
                          "grid = { optimizer.lr = [0.002, 0.5] }\n"
                          "[[method]]\n"
                          "name = \"allreduce\"\n"
                          "set = { algorithm.name = \"allreduce\", "
                          "topology.kind = \"complete\" }\n";

/// The message load_sweep gives for a sweep file (``: accepted).
std::string refusal(const std::string& text,
                    const std::vector<std::string>& sets = {}) {
  testing::scratch_dir dir{"sweep-spec"};
  auto file = dir.write("s.sweep.toml", text);
  auto why = error_of([&] { load_sweep(file, sets); });
  CHECK(why.find('\n') == std::string::npos);
  return why;
}

struct sweep_result {
  int code;
  std::string out;
  std::string log;
};

sweep_result sweep(const fs::path& file, const fs::path& output,
                   const std::vector<std::string>& sets = {},
                   std::size_t jobs = 2) {
  sweep_options opts;
  opts.file = file.string();
  opts.output = output.string();
  opts.sets = sets;
  opts.jobs = jobs;
  opts.program = MURMUR_BINARY;
  std::ostringstream out, log;
  int code = sweep_command(opts, out, log);
  return {code, out.str(), log.str()};
}

/// The mean of a column's last k values, straight from the numbers.
double tail_mean(const std::vector<double>& v, std::size_t k) {
  double sum = 0;
  for (auto i = v.size() - k; i < v.size(); ++i)
    sum += v[i];
  return sum / static_cast<double>(k);
}

/// chosen.csv's "key,value" for `method` (its single tuned key).
std::string chosen(const fs::path& dir, const std::string& method) {
  std::istringstream in{slurp(dir / "chosen.csv")};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(method + ",", 0) == 0) {
      auto key = line.find(',') + 1;
      auto end = line.find(',', line.find(',', key) + 1);
      return line.substr(key, end - key);
    }
  return "";
}

/// A run folder with the columns the metrics read.
fs::path fake_run(const fs::path& dir, const std::string& name,
                  const std::vector<double>& accuracy,
                  const std::vector<double>& loss) {
  auto folder = dir / name;
  fs::create_directories(folder);
  std::ofstream csv{folder / "metrics.csv"};
  csv << "round,test_accuracy,test_loss,min_agent_accuracy,"
         "mean_agent_accuracy,train_loss\n";
  for (std::size_t r = 0; r < accuracy.size(); ++r)
    csv << 10 * r << "," << accuracy[r] << "," << loss[r] << ","
        << accuracy[r] - 0.1 << "," << accuracy[r] - 0.05 << ","
        << loss[r] + 0.1 << "\n";
  return folder;
}

} // namespace

TEST_CASE("sweep file: a tuning seed that is also reported is refused") {
  auto why =
    refusal(std::string{"tuning_seed = 2\nseeds = [1, 2, 3]\n"} + two_methods);
  CHECK(contains(why, "s.sweep.toml: tuning_seed: 2 is also a reported seed"));
  CHECK(contains(why, "tuning_seed = 0"));
  // The default tuning seed 0 with the default seeds 1, 2, 3 is fine.
  CHECK(refusal(std::string{tiny_runs} + two_methods).empty());
}

TEST_CASE("sweep file: bad fields are refused with one line naming them") {
  std::string ok = std::string{tiny_runs} + two_methods;
  CHECK(contains(refusal("seeds = [1, 2]\n" + ok), "seeds: 2 reported seed"));
  CHECK(contains(refusal("seeds = [1, 1, 2]\n" + ok), "appears twice"));
  CHECK(
    contains(refusal("tunning_seed = 4\n" + ok), "did you mean tuning_seed?"));
  CHECK(contains(refusal("select = \"accuracy\"\n" + ok),
                 "select: unknown value 'accuracy'; use one of: "
                 "test-accuracy, min-agent-accuracy"));
  CHECK(contains(refusal(tiny_runs), "no methods"));
  CHECK(contains(refusal(ok + "[[method]]\nname = \"dpsgd\"\n"),
                 "two methods share this name"));
  CHECK(
    contains(refusal(ok + "[[method]]\nname = \"x y\"\n"), "letters, digits"));
  CHECK(contains(refusal(ok + "[[method]]\nname = \"z\"\nsets = { a = 1 }\n"),
                 "method 'z': unknown key 'sets'"));
  CHECK(contains(
    refusal(ok + "[[method]]\nname = \"z\"\nset = { optimizer.lrr = 1 }\n"),
    "method 'z': optimizer.lrr: unknown config key; did you mean "
    "optimizer.lr?"));
  CHECK(contains(refusal(ok + "[[method]]\nname = \"z\"\nset = { seed = 4 }\n"),
                 "seed is set by the sweep"));
  CHECK(contains(
    refusal(ok + "[[method]]\nname = \"z\"\ngrid = { optimizer.lr = 0.1 }\n"),
    "grid.optimizer.lr: expected a non-empty array"));
  CHECK(contains(refusal(ok + "[[method]]\nname = \"z\"\nset = { "
                              "optimizer.lr = 0.1 }\ngrid = { optimizer.lr "
                              "= [0.1, 0.2] }\n"),
                 "optimizer.lr is both set and tuned"));
  CHECK(contains(refusal(ok, {"optimizer.lr=0.3"}),
                 "--set optimizer.lr: method 'dpsgd' tunes it"));
  CHECK(contains(refusal(ok, {"algorithm.name=detag"}),
                 "--set algorithm.name: method 'dpsgd' sets it"));
  CHECK(contains(refusal(ok, {"run.name=x"}), "set by the sweep"));
  CHECK(contains(refusal("base = \"missing.toml\"\n" + ok),
                 "missing.toml: no such config file"));
}

TEST_CASE("sweep grids: the cartesian product, labelled in run names") {
  testing::scratch_dir dir{"sweep-grid"};
  auto file = dir.write(
    "g.sweep.toml",
    std::string{tiny_runs} +
      "[grid]\noptimizer.lr = [0.1, 0.3]\n"
      "[[method]]\nname = \"m\"\n"
      "grid = { optimizer.momentum = [0.0, 0.5, 0.9], topology.kind = "
      "[\"ring\", \"chain\"] }\n"
      "[[method]]\nname = \"n\"\ngrid = { optimizer.lr = [0.2] }\n");
  auto spec = load_sweep(file, {});
  REQUIRE(spec.methods.size() == 2);
  auto& m = spec.methods[0];
  // The sweep's grid, then the method's own axes (keys in table order).
  REQUIRE(m.grid.size() == 3);
  CHECK(m.grid[0].key == "optimizer.lr");
  auto points = grid_points(m);
  REQUIRE(points.size() == 12);
  CHECK(points.front().values ==
        std::vector<std::pair<std::string, std::string>>{
          {"optimizer.lr", "0.1"},
          {"optimizer.momentum", "0.0"},
          {"topology.kind", "'ring'"}});
  // The last axis varies fastest.
  CHECK(points[1].values[2].second == "'chain'");
  CHECK(run_name(m, points[1], 0) == "m-lr0.1-momentum0-kindchain-s0");
  auto cfg = resolve_run(spec, m, points[11], 7, "/out/runs");
  CHECK(cfg.optimizer.lr == 0.3);
  CHECK(cfg.optimizer.momentum == 0.9);
  CHECK(cfg.topology.kind == "chain");
  CHECK(cfg.seed == 7);
  CHECK(cfg.run.name == "m-lr0.3-momentum0.9-kindchain-s7");
  CHECK(cfg.run.output == "/out/runs");
  CHECK(cfg.run.agents == 4); // the sweep's set
  // A method's own axis replaces the sweep's: one point, lr 0.2.
  auto n = grid_points(spec.methods[1]);
  REQUIRE(n.size() == 1);
  CHECK(run_name(spec.methods[1], n[0], 3) == "n-lr0.2-s3");
}

TEST_CASE("sweep selection: the best point per metric, ties to the first, "
          "failures never") {
  testing::scratch_dir dir{"sweep-select"};
  // Three grid points' tuning runs with known last evaluations.
  std::vector<run_record> runs{
    read_run(fake_run(dir.path(), "a", {0.1, 0.6, 0.7}, {2, 0.9, 0.8}), false),
    read_run(fake_run(dir.path(), "b", {0.1, 0.8, 0.6}, {2, 0.5, 0.7}), false),
    read_run(fake_run(dir.path(), "c", {0.1, 0.5, 0.75}, {2, 1.0, 0.9}),
             false)};
  auto scores = [&](run_metric m, std::size_t k) {
    std::vector<double> out;
    for (auto& r : runs)
      out.push_back(metric_value(r, m, k));
    return out;
  };
  // Final accuracy: c (0.75); mean of the last two: b (0.70 vs 0.65, 0.625).
  CHECK(best_point(run_metric::test_accuracy,
                   scores(run_metric::test_accuracy, 1)) == 2u);
  CHECK(best_point(run_metric::test_accuracy,
                   scores(run_metric::test_accuracy, 2)) == 1u);
  CHECK(scores(run_metric::test_accuracy, 2)[1] == doctest::Approx(0.7));
  // Losses are minimised: final test loss b (0.7); last two a (0.85) vs b
  // (0.6) vs c (0.95): b.
  CHECK(best_point(run_metric::test_loss, scores(run_metric::test_loss, 1)) ==
        1u);
  CHECK(best_point(run_metric::train_loss, scores(run_metric::train_loss, 3)) ==
        1u);
  // No agent_accuracy.csv here: min-agent falls back to its column.
  CHECK(scores(run_metric::min_agent_accuracy, 1)[2] == doctest::Approx(0.65));
  CHECK(best_point(run_metric::mean_agent_accuracy,
                   scores(run_metric::mean_agent_accuracy, 1)) == 2u);
  // Ties go to the first point; NaN (a failed run) never wins.
  double nan = std::nan("");
  CHECK(best_point(run_metric::test_accuracy, {0.5, 0.7, 0.7}) == 1u);
  CHECK(best_point(run_metric::test_accuracy, {nan, 0.2, nan}) == 1u);
  CHECK(best_point(run_metric::test_loss, {nan, 3.0, 2.0}) == 2u);
  CHECK_FALSE(best_point(run_metric::test_loss, {nan, nan}).has_value());
}

TEST_CASE("sweep selection: a chosen value on its grid's edge is warned "
          "about") {
  method_spec m{"relay",
                {},
                {{"optimizer.lr", {"0.3", "0.1", "1.0"}},
                 {"algorithm.tree", {"'chain'", "'double-binary'"}},
                 {"run.batch_size", {"32"}}}};
  auto at = [&](const std::string& lr) {
    return grid_point{{{"optimizer.lr", lr},
                       {"algorithm.tree", "'chain'"},
                       {"run.batch_size", "32"}}};
  };
  // The grid is not sorted: 0.3 is inside it.
  CHECK(edge_warnings(m, at("0.3")).empty());
  auto low = edge_warnings(m, at("0.1"));
  REQUIRE(low.size() == 1);
  CHECK(contains(low[0], "relay: optimizer.lr = 0.1 is the smallest value"));
  auto high = edge_warnings(m, at("1.0"));
  REQUIRE(high.size() == 1);
  CHECK(contains(high[0], "largest"));
}

TEST_CASE("sweep: tunes on seed 0, reports seeds 1-3 at the best point, "
          "resumes reusing only finished runs") {
  testing::scratch_dir dir{"sweep-resume"};
  auto file =
    dir.write("t.sweep.toml", std::string{"select = \"test-accuracy\"\n"
                                          "last = 2\ntarget = 0.5\n"} +
                                tiny_runs + two_methods);
  auto out = dir.path() / "out";
  auto first = sweep(file, out);
  INFO(first.out << first.log);
  REQUIRE(first.code == 0);
  // dpsgd: 2 tuning runs and 3 seeds; allreduce has no grid: 3 seeds.
  CHECK(contains(first.out, "8 runs launched, 0 reused, 0 failed"));

  // The choice against the tuning runs' own numbers.
  auto runs = out / "runs";
  auto score = [&](const std::string& lr) {
    return tail_mean(
      read_run(runs / ("dpsgd-lr" + lr + "-s0")).column("test_accuracy"), 2);
  };
  double low = score("0.002"), high = score("0.5");
  CHECK(low != high);
  auto best = low > high ? std::string{"0.002"} : std::string{"0.5"};
  CHECK(chosen(out, "dpsgd") == "optimizer.lr," + best);

  // Reported runs: seeds 1-3 at the chosen lr; seed 0 only for tuning.
  std::multiset<std::string> seeds;
  for (auto& entry : fs::directory_iterator(runs)) {
    auto run = read_run(entry.path());
    auto name = entry.path().filename().string();
    auto seed = run.config.at("seed");
    if (seed == "0")
      CHECK(name.rfind("dpsgd-lr", 0) == 0);
    else
      seeds.insert(name.substr(0, name.rfind('-')) + "@" + seed);
    if (name.rfind("dpsgd", 0) == 0 && seed != "0")
      CHECK(std::stod(run.config.at("optimizer.lr")) == std::stod(best));
  }
  CHECK(seeds == std::multiset<std::string>{
                   "allreduce@1", "allreduce@2", "allreduce@3",
                   "dpsgd-lr" + best + "@1", "dpsgd-lr" + best + "@2",
                   "dpsgd-lr" + best + "@3"});
  auto report = slurp(out / "report.md");
  CHECK(contains(report, "| dpsgd | " + best + " | 1,2,3 | "));
  CHECK(contains(report, "| allreduce |  | 1,2,3 | "));
  CHECK(contains(report, "rounds to 50%"));
  CHECK(contains(slurp(out / "grid.csv"),
                 "method,run,optimizer.lr,test-accuracy,chosen\n"));

  // An interrupted run (still .incomplete), a deleted one, and one whose
  // config no longer matches the sweep's.
  auto reported = "dpsgd-lr" + best + "-s2";
  auto before = slurp(runs / reported / "metrics.csv");
  fs::rename(runs / reported, runs / (reported + ".incomplete"));
  fs::remove(runs / (reported + ".incomplete") / "summary.json");
  fs::remove_all(runs / "allreduce-s3");
  auto other =
    "dpsgd-lr" + std::string{best == "0.5" ? "0.002" : "0.5"} + "-s0";
  auto config = slurp(runs / other / "config.toml");
  auto at = config.find("rounds = 12");
  REQUIRE(at != std::string::npos);
  std::ofstream{runs / other / "config.toml"}
    << config.replace(at, 11, "rounds = 13");

  auto second = sweep(file, out);
  INFO(second.out << second.log);
  REQUIRE(second.code == 0);
  CHECK(contains(second.out, "3 runs launched, 5 reused, 0 failed"));
  CHECK_FALSE(fs::exists(runs / (reported + ".incomplete")));
  // Same config, virtual clock: the rerun reproduces the lost run exactly.
  CHECK(slurp(runs / reported / "metrics.csv") == before);
  CHECK(fs::exists(runs / "allreduce-s3" / "summary.json"));
  // The mismatching folder is left alone; its rerun got the next name.
  CHECK(fs::exists(runs / (other + "-2") / "summary.json"));
  CHECK(chosen(out, "dpsgd") == "optimizer.lr," + best);

  auto third = sweep(file, out);
  CHECK(third.code == 0);
  CHECK(contains(third.out, "0 runs launched, 8 reused, 0 failed"));
}

TEST_CASE("sweep: a failing run is reported with its log, the others go on, "
          "the exit code is 1") {
  testing::scratch_dir dir{"sweep-fail"};
  auto file = dir.write(
    "f.sweep.toml",
    std::string{tiny_runs} +
      "[[method]]\nname = \"ok\"\nset = { algorithm.name = \"dpsgd\" }\n"
      "[[method]]\nname = \"broken\"\nset = { data.name = "
      "\"fashion-mnist\", data.path = \"/nonexistent/fmnist\" }\n");
  auto out = dir.path() / "out";
  auto result = sweep(file, out);
  INFO(result.out << result.log);
  CHECK(result.code == 1);
  CHECK(contains(result.out, "6 runs launched, 0 reused, 3 failed"));
  auto log = out / "logs" / "broken-s2.log";
  CHECK(contains(result.log, "broken-s2 failed (exit 2): murmur: error: "));
  CHECK(contains(result.log, "log: " + log.string()));
  CHECK(contains(slurp(log), "dataset-fashion-mnist"));
  auto report = slurp(out / "report.md");
  CHECK(contains(report, "## Failed runs"));
  CHECK(contains(report, "| ok | 1,2,3 | "));
  CHECK(contains(report, "| broken | none finished | — |"));
}

TEST_CASE("experiments/relaysgd_dirichlet.sweep.toml: smoke size") {
  testing::scratch_dir dir{"sweep-smoke"};
  auto out = dir.path() / "out";
  auto result =
    sweep(MURMUR_SOURCE_DIR "/experiments/relaysgd_dirichlet.sweep.toml", out,
          {"data.name=synthetic", "run.agents=4", "run.rounds=12",
           "run.eval_every=2", "run.threads=1", "eval.test_samples=200"});
  INFO(result.out << result.log);
  REQUIRE(result.code == 0);
  // 5 + 6 + 4 + 4 learning rates on seed 0, then 3 seeds per method.
  CHECK(contains(result.out, "31 runs launched"));
  for (std::string method :
       {"allreduce", "dpsgd-ring", "relaysgd-chain", "relaysgd-trees"}) {
    CAPTURE(method);
    // The tuning runs' min over agents of each agent's mean over the last
    // 5 evaluations (the RelaySGD tables' convention), from the files.
    std::string best;
    double top = -1;
    for (auto& entry : fs::directory_iterator(out / "runs")) {
      auto name = entry.path().filename().string();
      if (name.rfind(method + "-lr", 0) != 0 ||
          name.substr(name.size() - 3) != "-s0")
        continue;
      auto run = read_run(entry.path(), false);
      double lowest = 2;
      for (auto& agent : run.agent_accuracy)
        lowest = std::min(lowest, tail_mean(agent, 5));
      auto lr = name.substr(method.size() + 3, name.size() - method.size() - 6);
      if (lowest > top || (lowest == top && std::stod(lr) < std::stod(best))) {
        top = lowest;
        best = lr;
      }
    }
    CHECK(chosen(out, method) == "optimizer.lr," + best);
    for (int seed : {1, 2, 3})
      CHECK(fs::exists(out / "runs" /
                       (method + "-lr" + best + "-s" + std::to_string(seed)) /
                       "summary.json"));
  }
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0)
    CHECK(fs::exists(out / "plots" / "min_agent_accuracy-vs-bytes_sent.png"));
}

TEST_CASE("experiments/detag.sweep.toml: smoke size") {
  testing::scratch_dir dir{"sweep-detag-smoke"};
  auto out = dir.path() / "out";
  auto result =
    sweep(MURMUR_SOURCE_DIR "/experiments/detag.sweep.toml", out,
          {"data.name=synthetic", "run.agents=8", "run.rounds=12",
           "run.eval_every=4", "run.threads=1", "eval.test_samples=200",
           "partition.shuffled_fraction=0.5"});
  INFO(result.out << result.log);
  REQUIRE(result.code == 0);
  // 9 + 7 + 7 + 7 tuning runs on seed 0, then 3 seeds per method.
  CHECK(contains(result.out, "42 runs launched"));
  for (std::string method : {"dpsgd", "gradient-tracking", "detag", "detagm"}) {
    CAPTURE(method);
    auto pick = chosen(out, method);
    REQUIRE(pick.rfind("optimizer.lr,", 0) == 0);
    auto lr = pick.substr(std::string{"optimizer.lr,"}.size());
    for (int seed : {1, 2, 3})
      CHECK(fs::exists(out / "runs" /
                       (method + "-lr" + lr + "-s" + std::to_string(seed)) /
                       "summary.json"));
  }
}

/// Each method's lr was chosen on the tuning seed, and its last reported
/// seed ran at that lr.
static void check_tuned_and_reported(const fs::path& out,
                                     const std::vector<std::string>& methods) {
  for (auto& method : methods) {
    CAPTURE(method);
    auto pick = chosen(out, method);
    REQUIRE(pick.rfind("optimizer.lr,", 0) == 0);
    auto lr = pick.substr(std::string{"optimizer.lr,"}.size());
    CHECK(fs::exists(out / "runs" / (method + "-lr" + lr + "-s3") /
                     "summary.json"));
  }
}

TEST_CASE("experiments/stragglers_async.sweep.toml: smoke size, Dirichlet") {
  testing::scratch_dir dir{"sweep-draco-smoke"};
  auto out = dir.path() / "out";
  auto result =
    sweep(MURMUR_SOURCE_DIR "/experiments/stragglers_async.sweep.toml", out,
          {"data.name=synthetic", "run.agents=12", "run.rounds=20",
           "run.time_budget=4", "run.eval_every=5", "run.eval_seconds=1",
           "run.threads=1", "eval.test_samples=200", "partition.kind=dirichlet",
           "partition.alpha=1"});
  INFO(result.out << result.log);
  REQUIRE(result.code == 0);
  // 6 methods x 6 learning rates on seed 0, then 3 seeds per method.
  CHECK(contains(result.out, "54 runs launched"));
  check_tuned_and_reported(out, {"dpsgd", "deadline", "draco", "draco-psi1",
                                 "draco-psi2", "draco-psi4"});
}

TEST_CASE("experiments/goco_stragglers.sweep.toml: smoke size") {
  testing::scratch_dir dir{"sweep-goco-smoke"};
  auto out = dir.path() / "out";
  auto result =
    sweep(MURMUR_SOURCE_DIR "/experiments/goco_stragglers.sweep.toml", out,
          {"data.name=synthetic", "run.agents=8", "run.time_budget=3",
           "run.eval_every=5", "run.threads=1", "eval.test_samples=200",
           "stragglers.outage_probability=0.3", "algorithm.p=0.3"});
  INFO(result.out << result.log);
  REQUIRE(result.code == 0);
  // 8 methods x 6 learning rates on seed 0, then 3 seeds per method.
  CHECK(contains(result.out, "72 runs launched"));
  check_tuned_and_reported(out,
                           {"waits", "skip", "uncoded-d2", "goco-d1", "goco-d2",
                            "goco-d3", "goco-d2-equal", "goco-d3-equal"});
}

TEST_CASE("experiments/relaysgd_drops.sweep.toml: smoke size") {
  testing::scratch_dir dir{"sweep-drops-smoke"};
  auto out = dir.path() / "out";
  auto result =
    sweep(MURMUR_SOURCE_DIR "/experiments/relaysgd_drops.sweep.toml", out,
          {"data.name=synthetic", "run.agents=4", "run.rounds=12",
           "run.eval_every=2", "run.threads=1", "eval.test_samples=200"});
  INFO(result.out << result.log);
  REQUIRE(result.code == 0);
  // 3 methods x 4 learning rates on seed 0, then 3 seeds per method.
  CHECK(contains(result.out, "21 runs launched"));
  check_tuned_and_reported(out,
                           {"dpsgd-ring", "relaysgd-chain", "relaysgd-trees"});
  // The runs lost messages: by the end fewer arrived than were sent.
  std::istringstream csv{
    slurp(out / "runs" / "dpsgd-ring-lr0.05-s0" / "metrics.csv")};
  std::string header, line, last;
  std::getline(csv, header);
  while (std::getline(csv, line))
    if (!line.empty())
      last = line;
  auto column = [&](const std::string& name) {
    std::istringstream h{header}, row{last};
    std::string key, value;
    while (std::getline(h, key, ',') && std::getline(row, value, ','))
      if (key == name)
        return std::stod(value);
    return -1.0;
  };
  CHECK(column("messages_delivered") > 0);
  CHECK(column("messages_delivered") < column("messages_sent"));
}

TEST_CASE("experiments/plexus.sweep.toml: smoke size") {
  testing::scratch_dir dir{"sweep-plexus-smoke"};
  auto out = dir.path() / "out";
  auto result = sweep(MURMUR_SOURCE_DIR "/experiments/plexus.sweep.toml", out,
                      {"data.name=synthetic", "run.agents=20",
                       "run.time_budget=30", "run.rounds=10", "run.threads=1",
                       "eval.test_samples=200", "topology.degree=4"});
  INFO(result.out << result.log);
  REQUIRE(result.code == 0);
  // 6 methods x 7 learning rates on seed 0, then 3 seeds per method.
  CHECK(contains(result.out, "60 runs launched"));
  check_tuned_and_reported(out, {"plexus", "plexus-nochurn", "fl", "dpsgd",
                                 "dpsgd-periodic", "gossip"});
}

TEST_CASE("sweep curves: mean ± std over seeds row by row, a budget drawn "
          "only when it is not the rounds view scaled") {
  testing::scratch_dir dir{"sweep-curves"};
  auto run = [&](const std::string& name, const std::vector<double>& acc) {
    return read_run(fake_run(dir.path(), name, acc, acc), false);
  };
  // Two seeds, one a row shorter: rows 0 and 1 only.
  auto mean =
    mean_over_runs({run("s1", {0.2, 0.6, 0.9}), run("s2", {0.4, 0.8})}, "round",
                   "test_accuracy");
  CHECK(mean.x == std::vector<double>{0, 10});
  CHECK(mean.y[0] == doctest::Approx(0.3));
  CHECK(mean.y[1] == doctest::Approx(0.7));
  CHECK(mean.spread[1] == doctest::Approx(std::sqrt(0.02)));

  auto curve = [](std::vector<double> x) {
    return mean_curve{std::move(x), {}, {}};
  };
  auto rounds = std::vector<mean_curve>{curve({0, 10, 20}), curve({0, 10, 20})};
  // Both methods spend 4 steps per round: the rounds view says it all.
  CHECK(same_view_as_rounds({curve({0, 40, 80}), curve({0, 40, 80})}, rounds));
  // Different bytes per round: a view of its own.
  CHECK_FALSE(
    same_view_as_rounds({curve({0, 40, 80}), curve({0, 30, 60})}, rounds));
  // Same end point, different path (time that varies per round).
  CHECK_FALSE(
    same_view_as_rounds({curve({0, 50, 80}), curve({0, 40, 80})}, rounds));
}
