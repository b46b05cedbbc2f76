// murmur report and plot on hand-made run folders: reading metrics.csv by
// column name, grouping by config minus seed, the statistics over seeds (the
// numbers are worked out by hand below), and bad input refused with one line
// before any output exists.
#include "core/base/error.hpp"
#include "core/config/config.hpp"
#include "core/run/metrics.hpp"
#include "experiments/cli/plot_command.hpp"
#include "experiments/cli/report_command.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using namespace murmur;

namespace {

struct scratch {
  fs::path dir =
    fs::temp_directory_path() / ("murmur-report-" + std::to_string(::getpid()));
  scratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~scratch() { fs::remove_all(dir); }

  /// A run folder with metrics.csv built from columns and a config.toml.
  fs::path run(const std::string& name, const std::string& config,
               const std::vector<double>& accuracy,
               const std::vector<double>& min_agent,
               const std::vector<double>& seconds) {
    auto folder = dir / name;
    fs::create_directories(folder);
    std::ofstream csv{folder / "metrics.csv"};
    // Columns deliberately not in murmur's order: read by name.
    csv << "min_agent_accuracy,round,test_accuracy,time_seconds,train_loss\n";
    for (std::size_t r = 0; r < accuracy.size(); ++r)
      csv << min_agent[r] << "," << 10 * r << "," << accuracy[r] << ","
          << seconds[r] << ",0.5\n";
    std::ofstream{folder / "config.toml"} << config;
    return folder;
  }
};

std::string dpsgd(int seed, double lr, const std::string& name, int threads) {
  std::ostringstream out;
  out << "seed = " << seed << "\n[algorithm]\nname = 'dpsgd'\n"
      << "order = 'step-then-mix'\n[optimizer]\nlr = " << lr
      << "\n[run]\nname = '" << name << "'\noutput = '/somewhere/" << name
      << "'\nthreads = " << threads << "\nrounds = 30\n";
  return out.str();
}

std::string relay(const std::string& tree) {
  return "seed = 1\n[algorithm]\nname = 'relaysgd'\ntree = '" + tree +
         "'\n[optimizer]\nlr = 0.1\n[run]\nname = 'r-" + tree +
         "'\nrounds = 30\n";
}

/// Group A: three seeds of the same config (names, outputs and thread
/// counts differ, which must not split the group).
std::vector<run_record> group_a(scratch& s) {
  return {
    read_run(s.run("a1", dpsgd(1, 0.1, "a1", 1), {0.1, 0.5, 0.72, 0.80},
                   {0.1, 0.3, 0.6, 0.7}, {0, 1, 2, 3})),
    // Crosses 0.7 at round 10, dips below it again: the first crossing counts.
    read_run(s.run("a2", dpsgd(2, 0.1, "a2", 2), {0.1, 0.71, 0.69, 0.76},
                   {0.1, 0.2, 0.5, 0.8}, {0, 1.5, 2.5, 3.5})),
    read_run(s.run("a3", dpsgd(3, 0.1, "a3", 2), {0.1, 0.6, 0.75, 0.78},
                   {0.1, 0.4, 0.4, 0.6}, {0, 2, 4, 6})),
  };
}

} // namespace

TEST_CASE("report: a run folder is read by column name, config flattened") {
  scratch s;
  auto run = read_run(
    s.run("a1", dpsgd(1, 0.1, "a1", 1), {0.1, 0.8}, {0.05, 0.7}, {0, 2.5}));
  CHECK(run.name == "a1");
  CHECK(run.rows() == 2);
  CHECK(run.column("round") == std::vector<double>{0, 10});
  CHECK(run.column("min_agent_accuracy") == std::vector<double>{0.05, 0.7});
  CHECK(run.column("time_seconds")[1] == 2.5);
  CHECK(std::stod(run.config.at("optimizer.lr")) == 0.1);
  CHECK(run.config.at("algorithm.name") == "'dpsgd'");
  CHECK(run.config.at("seed") == "1");
  // A trailing slash still names the run after its folder.
  CHECK(read_run(s.dir / "a1" / "").name == "a1");
}

TEST_CASE("report: mean and sample std over seeds") {
  scratch s;
  auto runs = group_a(s);
  report_options opts;
  opts.last = 2;
  opts.target = 0.7;
  auto groups = aggregate_runs(runs, opts);
  REQUIRE(groups.size() == 1);
  auto& g = groups[0];
  CHECK(g.runs == std::vector<std::string>{"a1", "a2", "a3"});
  CHECK(g.seeds == std::vector<std::string>{"1", "2", "3"});
  CHECK(g.config.count("seed") == 0);
  // Final accuracies 0.80, 0.76, 0.78.
  CHECK(g.final_accuracy.mean == doctest::Approx(0.78));
  CHECK(g.final_accuracy.std == doctest::Approx(0.02));
  // Last two min-agent values per run: 0.65, 0.65, 0.50.
  CHECK(g.min_agent.mean == doctest::Approx(0.60));
  CHECK(g.min_agent.std == doctest::Approx(0.0866025404));
  // First rows at >= 0.7: rounds 20, 10, 20 at 2, 1.5, 4 seconds.
  CHECK(g.reached == 3);
  CHECK(g.target_round.mean == doctest::Approx(50.0 / 3));
  CHECK(g.target_round.std == doctest::Approx(5.7735026919));
  CHECK(g.target_seconds.mean == doctest::Approx(2.5));
  CHECK(g.target_seconds.std == doctest::Approx(1.3228756555));
  CHECK(g.also.empty());
  opts.also = {"test_accuracy", "time_seconds"};
  auto with_also = aggregate_runs(runs, opts);
  REQUIRE(with_also[0].also.size() == 2);
  CHECK(with_also[0].also[0].mean == doctest::Approx(0.78));
  // Final times 3, 3.5 and 6 seconds.
  CHECK(with_also[0].also[1].mean == doctest::Approx(12.5 / 3));
  CHECK(with_also[0].also[1].std == doctest::Approx(1.6072751268));
  opts.also = {"no_such_column"};
  CHECK_THROWS_AS(aggregate_runs(runs, opts), input_error);
}

TEST_CASE("report: K beyond the rows, a target only some runs reach") {
  scratch s;
  auto runs = group_a(s);
  report_options opts;
  opts.last = 10;
  opts.target = 0.79;
  auto g = aggregate_runs(runs, opts).at(0);
  // All four rows: (0.1+0.3+0.6+0.7)/4, (0.1+0.2+0.5+0.8)/4,
  // (0.1+0.4+0.4+0.6)/4
  CHECK(g.min_agent.mean == doctest::Approx((0.425 + 0.4 + 0.375) / 3));
  CHECK(g.reached == 1);
  CHECK(g.target_round.mean == 30);
  CHECK(g.target_round.count == 1);
  CHECK(g.target_round.std == 0);
  opts.last = 0;
  CHECK_THROWS_AS(aggregate_runs(runs, opts), input_error);
}

TEST_CASE("report: groups by config minus seed; rows labelled by what varies") {
  scratch s;
  auto runs = group_a(s);
  runs.push_back(read_run(
    s.run("b1", dpsgd(1, 0.05, "b1", 2), {0.1, 0.5}, {0.1, 0.4}, {0, 1})));
  runs.push_back(
    read_run(s.run("chain", relay("chain"), {0.1, 0.9}, {0.1, 0.85}, {0, 1})));
  runs.push_back(read_run(
    s.run("double", relay("double-binary"), {0.1, 0.91}, {0.1, 0.88}, {0, 1})));
  report_options opts;
  opts.target = 0.7;
  auto groups = aggregate_runs(runs, opts);
  REQUIRE(groups.size() == 4);
  CHECK(groups[0].runs.size() == 3);
  CHECK(groups[1].runs == std::vector<std::string>{"b1"});
  CHECK(groups[3].runs == std::vector<std::string>{"double"});
  // algorithm.order exists only for dpsgd and has one value there: not shown.
  CHECK(varying_keys(groups) == std::vector<std::string>{"algorithm.name",
                                                         "algorithm.tree",
                                                         "optimizer.lr"});
  std::ostringstream out;
  print_report(out, groups, opts);
  auto table = out.str();
  CHECK(table.find("| algorithm.name | algorithm.tree | optimizer.lr | seeds "
                   "| final acc. (%) | min-agent acc., last 5 evals (%) | "
                   "rounds to 70% | seconds to 70% |\n") == 0);
  CHECK(table.find("| dpsgd |  | 0.1 | 1,2,3 | 78.00 ± 2.00 | ") !=
        std::string::npos);
  // These folders have no agent_accuracy.csv: the fallback is marked.
  CHECK(table.find("| dpsgd |  | 0.05 | 1 | 50.00 | 25.00 † | not reached "
                   "(0/1) | not reached (0/1) |") != std::string::npos);
  CHECK(table.find("| relaysgd | double-binary | 0.1 | 1 | 91.00 | 49.00 † | "
                   "10 | 1.00 |") != std::string::npos);
  CHECK(table.find("† some runs have no agent_accuracy.csv") !=
        std::string::npos);
  CHECK(table.find("then the minimum over agents") != std::string::npos);
}

TEST_CASE("report: min-agent accuracy is the minimum over agents of each "
          "agent's mean over the last K evaluations") {
  scratch s;
  // Two agents, three evaluations; which agent is lowest changes:
  //   agent 0: 0.9 0.5 0.9 -> means: last 3 0.7667, last 2 0.70
  //   agent 5: 0.6 0.7 0.6 -> means: last 3 0.6333, last 2 0.65
  // The RelaySGD tables' min of means: 0.6333 (K = 3), 0.65 (K = 2); the
  // mean of the per-evaluation minima (0.6, 0.5, 0.6) would be 0.5667 and
  // (0.5, 0.6) 0.55.
  auto folder = s.run("r1", dpsgd(1, 0.1, "r1", 1), {0.1, 0.5, 0.8},
                      {0.6, 0.5, 0.6}, {0, 1, 2});
  std::ofstream{folder / "agent_accuracy.csv"}
    << "round,agent_0,agent_5\n0,0.9,0.6\n10,0.5,0.7\n20,0.9,0.6\n";
  auto run = read_run(folder);
  REQUIRE(run.agent_accuracy.size() == 2);
  CHECK(min_agent_accuracy(run, 3).per_agent);
  CHECK(min_agent_accuracy(run, 3).value == doctest::Approx(1.9 / 3));
  CHECK(min_agent_accuracy(run, 2).value == doctest::Approx(0.65));
  report_options opts;
  opts.last = 3;
  auto g = aggregate_runs({run}, opts).at(0);
  CHECK(g.min_agent.mean == doctest::Approx(1.9 / 3));
  CHECK(g.min_agent_fallbacks == 0);
  std::ostringstream table;
  print_report(table, {g}, opts);
  CHECK(table.str().find("| 63.33 |") != std::string::npos);
  CHECK(table.str().find("†") == std::string::npos);

  // An agent without a model at an evaluation (NaN) is averaged over the
  // evaluations it has: agent 0's (0.9 + 0.3) / 2 = 0.6 is now the minimum.
  std::ofstream{folder / "agent_accuracy.csv"}
    << "round,agent_0,agent_5\n0,0.9,0.6\n10,nan,0.7\n20,0.3,0.6\n";
  CHECK(min_agent_accuracy(read_run(folder), 3).value == doctest::Approx(0.6));

  // Without the file: the mean of the per-evaluation minima, marked.
  fs::remove(folder / "agent_accuracy.csv");
  auto fallback = min_agent_accuracy(read_run(folder), 3);
  CHECK_FALSE(fallback.per_agent);
  CHECK(fallback.value == doctest::Approx(1.7 / 3));

  // Rows that do not line up with metrics.csv's are refused.
  std::ofstream{folder / "agent_accuracy.csv"}
    << "round,agent_0\n0,0.9\n20,0.5\n10,0.9\n";
  auto why = testing::error_of([&] { read_run(folder); });
  CHECK(why.find("mixes two runs") != std::string::npos);
}

TEST_CASE("a run's agent_accuracy.csv holds, per evaluation, the accuracies "
          "whose minimum and mean metrics.csv shows") {
  testing::scratch_dir dir{"agent-accuracy"};
  auto cfg = load_config(
    "", {"data.name=synthetic", "run.agents=6", "run.rounds=20",
         "run.eval_every=5", "eval.max_agents=4", "run.threads=1",
         "run.engine=lockstep", "topology.kind=ring",
         "run.output=\"" + dir.path().string() + "\"", "run.name=r"});
  auto outcome = run_experiment(cfg, false);
  auto run = read_run(outcome.folder);
  // Agents 0, 1, 3, 4: evaluated_agents(6, 4), evenly spaced.
  CHECK(evaluated_agents(6, 4) == std::vector<agent_id>{0, 1, 3, 4});
  CHECK(testing::slurp(outcome.folder / "agent_accuracy.csv")
          .rfind("round,agent_0,agent_1,agent_3,agent_4\n", 0) == 0);
  REQUIRE(run.agent_accuracy.size() == 4);
  auto& mins = run.column("min_agent_accuracy");
  auto& means = run.column("mean_agent_accuracy");
  REQUIRE(mins.size() == 5);
  bool agents_differ = false;
  for (std::size_t r = 0; r < mins.size(); ++r) {
    double lowest = 1, sum = 0;
    for (auto& agent : run.agent_accuracy) {
      REQUIRE(agent.size() == mins.size());
      lowest = std::min(lowest, agent[r]);
      sum += agent[r];
      agents_differ = agents_differ || agent[r] != run.agent_accuracy[0][r];
    }
    CHECK(lowest == mins[r]);
    CHECK(sum / 4 == doctest::Approx(means[r]).epsilon(1e-8));
  }
  CHECK(agents_differ); // a ring after 20 rounds has not reached consensus
}

TEST_CASE("report and plot refuse .incomplete folders unless allowed, and "
          "then mark them") {
  scratch s;
  auto done =
    s.run("a1", dpsgd(1, 0.1, "a1", 1), {0.1, 0.8}, {0.1, 0.7}, {0, 2});
  auto partial = s.run("a2.incomplete", dpsgd(2, 0.1, "a2", 1), {0.1, 0.6},
                       {0.1, 0.5}, {0, 2});
  std::vector<std::string> both{done.string(), partial.string()};
  report_options opts;
  std::ostringstream out;
  auto why = testing::error_of([&] { report_command(both, opts, out); });
  CHECK(why.find("a2.incomplete is an incomplete run") != std::string::npos);
  CHECK(why.find("--allow-incomplete") != std::string::npos);
  CHECK(why.find('\n') == std::string::npos);
  CHECK(out.str().empty());
  opts.allow_incomplete = true;
  report_command(both, opts, out);
  CHECK(out.str().find("| 1,2* |") != std::string::npos);
  CHECK(out.str().find("* incomplete run") != std::string::npos);

  plot_options popts;
  popts.output = (s.dir / "out.svg").string();
  why = testing::error_of([&] { gnuplot_script(both, popts, "x.svg"); });
  CHECK(why.find("a2.incomplete is an incomplete run") != std::string::npos);
  popts.allow_incomplete = true;
  auto script = gnuplot_script(both, popts, "x.svg");
  CHECK(script.find("title 'a2.incomplete (incomplete)'") != std::string::npos);
  CHECK(script.find("title 'a1'") != std::string::npos);
}

TEST_CASE("report: bad run folders are refused with one line naming them") {
  scratch s;
  auto message = [](const fs::path& folder) {
    try {
      read_run(folder);
    } catch (const input_error& e) {
      return std::string{e.what()};
    }
    return std::string{"no error"};
  };
  CHECK(message(s.dir / "nope").find("nope: no such run folder") !=
        std::string::npos);
  fs::create_directories(s.dir / "empty");
  CHECK(message(s.dir / "empty").find("empty/metrics.csv: not found") !=
        std::string::npos);
  auto folder = s.run("a1", dpsgd(1, 0.1, "a1", 1), {0.1}, {0.1}, {0});
  fs::remove(folder / "config.toml");
  CHECK(message(folder).find("a1/config.toml: not found") != std::string::npos);
  std::ofstream{folder / "config.toml"} << "seed = \n";
  CHECK(message(folder).find("a1/config.toml: ") != std::string::npos);
  std::ofstream{folder / "metrics.csv"} << "round,test_accuracy\n0,0.1\n10\n";
  CHECK(message(folder).find("metrics.csv:3: 1 fields, the header has 2") !=
        std::string::npos);
  std::ofstream{folder / "metrics.csv"} << "round,test_accuracy\n0,zero\n";
  CHECK(message(folder).find("metrics.csv:2: test_accuracy is not a number") !=
        std::string::npos);
  for (auto& m : {message(s.dir / "nope"), message(folder)})
    CHECK(m.find('\n') == std::string::npos);
}

TEST_CASE("plot: script per run, bad input refused before any file") {
  scratch s;
  auto a =
    s.run("run_a", dpsgd(1, 0.1, "a", 1), {0.1, 0.8}, {0.1, 0.7}, {0, 2});
  auto b =
    s.run("it's b", dpsgd(2, 0.1, "b", 1), {0.1, 0.6}, {0.1, 0.5}, {0, 3});
  plot_options opts;
  opts.output = (s.dir / "out.png").string();
  auto script = gnuplot_script({a.string(), b.string()}, opts, "x.png");
  CHECK(script.find("set terminal pngcairo") != std::string::npos);
  CHECK(script.find("set multiplot layout 1,2") != std::string::npos);
  // Panel 0 against rounds, panel 1 against time_seconds, one block each.
  CHECK(script.find("$p0c1 << EOD\n0 0.1\n10 0.6\nEOD\n") != std::string::npos);
  CHECK(script.find("$p1c1 << EOD\n0 0.1\n3 0.6\nEOD\n") != std::string::npos);
  CHECK(script.find("title 'run_a'") != std::string::npos);
  CHECK(script.find("title 'it''s b'") != std::string::npos);
  opts.x = "time";
  opts.y = "min_agent_accuracy";
  script = gnuplot_script({a.string()}, opts, "x.png");
  CHECK(script.find("multiplot") == std::string::npos);
  CHECK(script.find("set xlabel 'time_seconds'") != std::string::npos);
  CHECK(script.find("$p0c0 << EOD\n0 0.1\n2 0.7\nEOD\n") != std::string::npos);

  auto refused = [&](std::vector<std::string> runs, plot_options o,
                     const std::string& needle) {
    std::ostringstream out;
    try {
      plot_command(runs, o, out);
    } catch (const input_error& e) {
      CHECK(std::string{e.what()}.find(needle) != std::string::npos);
      CHECK(std::string{e.what()}.find('\n') == std::string::npos);
      CHECK_FALSE(fs::exists(o.output));
      return;
    }
    FAIL("accepted: " << needle);
  };
  plot_options good;
  good.output = (s.dir / "out.svg").string();
  auto bad_y = good;
  bad_y.y = "accuracy";
  refused({a.string()}, bad_y, "no column 'accuracy'");
  refused({a.string(), (s.dir / "missing").string()}, good,
          "missing: no such run folder");
  auto bad_x = good;
  bad_x.x = "epoch";
  refused({a.string()}, bad_x, "--x epoch");
  auto bad_ext = good;
  bad_ext.output = (s.dir / "out.pdf").string();
  refused({a.string()}, bad_ext, "use a .png or .svg");
  auto bad_dir = good;
  bad_dir.output = (s.dir / "no" / "out.png").string();
  refused({a.string()}, bad_dir, "no folder");
  for (auto& entry : fs::directory_iterator(s.dir))
    CHECK(entry.path().filename().string().rfind(".murmur-plot", 0) != 0);
}

TEST_CASE("plot: gnuplot renders both panels into the named file only") {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    MESSAGE("gnuplot not installed (Debian gnuplot-nox): render not checked");
    return;
  }
  scratch s;
  auto a =
    s.run("run_a", dpsgd(1, 0.1, "a", 1), {0.1, 0.8}, {0.1, 0.7}, {0, 2});
  plot_options opts;
  opts.output = (s.dir / "out.svg").string();
  opts.title = "two panels";
  std::ostringstream out;
  plot_command({a.string()}, opts, out);
  std::ifstream svg{opts.output};
  std::string text{std::istreambuf_iterator<char>{svg}, {}};
  CHECK(text.find("<svg") != std::string::npos);
  CHECK(text.find("run_a") != std::string::npos);
  CHECK(text.find("time_seconds") != std::string::npos);
  std::size_t files = 0;
  for (auto& entry : fs::directory_iterator(s.dir))
    files += entry.is_regular_file();
  CHECK(files == 1);
}
