// murmur report: reads finished run folders back, groups runs whose resolved
// configs differ only in the seed, and prints mean and std over the seeds as
// a markdown table with each column's convention in words.
#include "experiments/cli/report_command.hpp"

#include "core/base/error.hpp"
#include "experiments/cli/markdown.hpp"

#include <algorithm>
#include <cstdio>

namespace murmur {

namespace {

std::map<std::string, std::string> grouping_key(const run_record& run) {
  auto config = run.config;
  for (auto& key : ungrouped_keys())
    config.erase(key);
  return config;
}

std::string seed_of(const run_record& run) {
  auto it = run.config.find("seed");
  return (it == run.config.end() ? "?" : it->second) +
         (run.incomplete ? "*" : "");
}

void add_statistics(run_group& group,
                    const std::vector<const run_record*>& runs,
                    const report_options& opts) {
  std::vector<double> finals, mins, rounds, seconds;
  for (auto* run : runs) {
    finals.push_back(run->column("test_accuracy").back());
    auto min_agent = min_agent_accuracy(*run, opts.last);
    mins.push_back(min_agent.value);
    group.min_agent_fallbacks += !min_agent.per_agent;
    group.incomplete += run->incomplete;
    if (opts.target <= 0)
      continue;
    if (auto row = first_row_reaching(*run, opts.target)) {
      rounds.push_back(run->column("round")[*row]);
      seconds.push_back(run->column("time_seconds")[*row]);
    }
  }
  group.final_accuracy = summarize(finals);
  group.min_agent = summarize(mins);
  group.target_round = summarize(rounds);
  group.target_seconds = summarize(seconds);
  group.reached = rounds.size();
  for (auto& name : opts.also) {
    std::vector<double> last;
    for (auto* run : runs)
      last.push_back(run->column(name).back());
    group.also.push_back(summarize(last));
  }
}

std::string target_percent(double target) {
  char t[32];
  std::snprintf(t, sizeof t, "%g", 100 * target);
  return t;
}

void print_conventions(std::ostream& out, const std::vector<run_group>& groups,
                       const report_options& opts) {
  out << "\nMean ± sample standard deviation over the seeds of each row. "
         "final acc.: "
      << metric_convention(run_metric::test_accuracy, 1) << ". min-agent acc.: "
      << metric_convention(run_metric::min_agent_accuracy, opts.last) << ".";
  if (opts.target > 0)
    out << " rounds and seconds to " << target_percent(opts.target)
        << "%: the first evaluation at which the average model reaches it, "
           "on the run's clock; the mean is over the runs that reached it.";
  if (!opts.also.empty())
    out << " final <column>: that metrics.csv column at the last evaluation.";
  out << "\n";
  bool fallback = false;
  bool incomplete = false;
  for (auto& g : groups) {
    fallback = fallback || g.min_agent_fallbacks > 0;
    incomplete = incomplete || g.incomplete > 0;
  }
  if (fallback)
    out << "\n† some runs have no agent_accuracy.csv: their min-agent value is "
           "the mean over the last "
        << opts.last
        << " evaluations of the per-evaluation minimum over agents, which is "
           "at most the convention's value.\n";
  if (incomplete)
    out << "\n* incomplete run (interrupted or still running): its last "
           "evaluation is not the configured end.\n";
}

} // namespace

const std::vector<std::string>& ungrouped_keys() {
  static const std::vector<std::string> keys{"seed", "run.name", "run.output",
                                             "run.threads"};
  return keys;
}

std::vector<run_group> aggregate_runs(const std::vector<run_record>& runs,
                                      const report_options& opts) {
  if (opts.last == 0)
    throw input_error("report: --last must be >= 1");
  std::vector<run_group> groups;
  std::vector<std::vector<const run_record*>> members;
  for (auto& run : runs) {
    auto key = grouping_key(run);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const run_group& g) { return g.config == key; });
    if (it == groups.end()) {
      groups.push_back({});
      groups.back().config = std::move(key);
      members.emplace_back();
      it = groups.end() - 1;
    }
    auto index = static_cast<std::size_t>(it - groups.begin());
    it->runs.push_back(run.name);
    it->seeds.push_back(seed_of(run));
    members[index].push_back(&run);
  }
  for (std::size_t g = 0; g < groups.size(); ++g)
    add_statistics(groups[g], members[g], opts);
  return groups;
}

std::vector<std::string> varying_keys(const std::vector<run_group>& groups) {
  std::map<std::string, std::vector<std::string>> values;
  for (auto& g : groups)
    for (auto& [key, value] : g.config)
      values[key].push_back(value);
  std::vector<std::string> keys;
  for (auto& [key, seen] : values)
    if (std::any_of(seen.begin(), seen.end(),
                    [&](const std::string& v) { return v != seen.front(); }))
      keys.push_back(key);
  return keys;
}

void print_report(std::ostream& out, const std::vector<run_group>& groups,
                  const report_options& opts) {
  auto keys = varying_keys(groups);
  std::vector<std::string> header = keys;
  if (header.empty())
    header.push_back("config");
  header.insert(header.end(), {"seeds", "final acc. (%)",
                               "min-agent acc., last " +
                                 std::to_string(opts.last) + " evals (%)"});
  if (opts.target > 0) {
    header.push_back("rounds to " + target_percent(opts.target) + "%");
    header.push_back("seconds to " + target_percent(opts.target) + "%");
  }
  for (auto& name : opts.also)
    header.push_back("final " + name);
  markdown_header(out, header);
  for (auto& g : groups) {
    std::vector<std::string> cells;
    for (auto& key : keys) {
      auto it = g.config.find(key);
      cells.push_back(it == g.config.end() ? "" : bare(it->second));
    }
    if (keys.empty())
      cells.push_back("all runs");
    std::string seeds;
    for (auto& s : g.seeds)
      seeds += (seeds.empty() ? "" : ",") + s;
    cells.push_back(seeds);
    cells.push_back(percent(g.final_accuracy));
    cells.push_back(percent(g.min_agent) +
                    (g.min_agent_fallbacks > 0 ? " †" : ""));
    if (opts.target > 0) {
      auto n = g.runs.size();
      cells.push_back(reached(g.target_round, g.reached, n, 0));
      cells.push_back(reached(g.target_seconds, g.reached, n, 2));
    }
    for (auto& s : g.also)
      cells.push_back(general(s));
    markdown_row(out, cells);
  }
  print_conventions(out, groups, opts);
}

void report_command(const std::vector<std::string>& folders,
                    const report_options& opts, std::ostream& out) {
  if (opts.target < 0 || opts.target > 1)
    throw input_error("report: --target is an accuracy in (0, 1], got " +
                      std::to_string(opts.target));
  refuse_incomplete(folders, opts.allow_incomplete, "report");
  std::vector<run_record> runs;
  for (auto& f : folders)
    runs.push_back(read_run(f));
  print_report(out, aggregate_runs(runs, opts), opts);
}

} // namespace murmur
