// murmur report: reads finished run folders back (metrics.csv by column name,
// config.toml flattened to dotted keys), groups runs whose resolved configs
// differ only in the seed, and prints mean and std over the seeds as a
// markdown table.
#include "experiments/cli/report_command.hpp"

#include "core/base/error.hpp"
#include "core/base/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace murmur {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in{line};
  while (std::getline(in, field, sep))
    out.push_back(field);
  if (!line.empty() && line.back() == sep)
    out.emplace_back();
  return out;
}

double parse_number(const std::string& text, const fs::path& file,
                    std::size_t line, const std::string& column) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw input_error(file.string() + ":" + std::to_string(line) + ": " +
                      column + " is not a number: '" + text + "'");
  return v;
}

void read_metrics(const fs::path& file, run_record& run) {
  std::ifstream in{file};
  if (!in)
    throw input_error(file.string() +
                      ": not found; is this a murmur run folder?");
  std::string line;
  if (!std::getline(in, line) || line.empty())
    throw input_error(file.string() + ": empty, no header line");
  auto header = split(line, ',');
  for (auto& name : header)
    run.columns[name];
  std::size_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty())
      continue;
    auto fields = split(line, ',');
    if (fields.size() != header.size())
      throw input_error(file.string() + ":" + std::to_string(number) + ": " +
                        std::to_string(fields.size()) +
                        " fields, the header has " +
                        std::to_string(header.size()));
    for (std::size_t c = 0; c < header.size(); ++c)
      run.columns[header[c]].push_back(
        parse_number(fields[c], file, number, header[c]));
  }
}

void read_config(const fs::path& file, run_record& run) {
  if (!fs::exists(file))
    throw input_error(file.string() +
                      ": not found; is this a murmur run folder?");
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw input_error(file.string() + ": " + std::string{e.description()});
  }
  for (auto& [key, node] : leaves(root))
    run.config[key] = show_node(*node);
}

std::string percent(const mean_std& s) {
  char buf[64];
  if (s.count > 1)
    std::snprintf(buf, sizeof buf, "%.2f ± %.2f", 100 * s.mean, 100 * s.std);
  else
    std::snprintf(buf, sizeof buf, "%.2f", 100 * s.mean);
  return buf;
}

std::string reached(const mean_std& s, std::size_t hits, std::size_t runs,
                    int decimals) {
  if (hits == 0)
    return "not reached (0/" + std::to_string(runs) + ")";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, s.mean);
  std::string text = buf;
  if (hits > 1) {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, s.std);
    text += std::string{" ± "} + buf;
  }
  if (hits < runs)
    text += " (" + std::to_string(hits) + "/" + std::to_string(runs) + ")";
  return text;
}

/// A config value for display: strings without TOML's quotes, numbers in
/// their shortest form (config.toml writes 0.1 as 0.10000000000000001).
std::string bare(const std::string& value) {
  if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
      value.back() == value.front())
    return value.substr(1, value.size() - 2);
  char* end = nullptr;
  double number = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size())
    return value;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", number);
  return buf;
}

std::map<std::string, std::string> grouping_key(const run_record& run) {
  auto config = run.config;
  for (auto& key : ungrouped_keys())
    config.erase(key);
  return config;
}

std::string seed_of(const run_record& run) {
  auto it = run.config.find("seed");
  return it == run.config.end() ? "?" : it->second;
}

/// Per run: the mean of the last K min_agent_accuracy values (the RelaySGD
/// tables' convention, ALGORITHMS.md 0).
double last_k_mean(const std::vector<double>& v, std::size_t k) {
  auto n = std::min(k, v.size());
  double sum = 0;
  for (auto i = v.size() - n; i < v.size(); ++i)
    sum += v[i];
  return sum / static_cast<double>(n);
}

void add_statistics(run_group& group,
                    const std::vector<const run_record*>& runs,
                    const report_options& opts) {
  std::vector<double> finals, mins, rounds, seconds;
  for (auto* run : runs) {
    auto& acc = run->column("test_accuracy");
    finals.push_back(acc.back());
    mins.push_back(last_k_mean(run->column("min_agent_accuracy"), opts.last));
    if (opts.target <= 0)
      continue;
    auto hit = std::find_if(acc.begin(), acc.end(),
                            [&](double a) { return a >= opts.target; });
    if (hit == acc.end())
      continue;
    auto row = static_cast<std::size_t>(hit - acc.begin());
    rounds.push_back(run->column("round")[row]);
    seconds.push_back(run->column("time_seconds")[row]);
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

std::string general(const mean_std& s) {
  char buf[64];
  if (s.count > 1)
    std::snprintf(buf, sizeof buf, "%.4g ± %.2g", s.mean, s.std);
  else
    std::snprintf(buf, sizeof buf, "%.4g", s.mean);
  return buf;
}

} // namespace

std::size_t run_record::rows() const {
  return columns.empty() ? 0 : columns.begin()->second.size();
}

const std::vector<double>& run_record::column(const std::string& name) const {
  auto it = columns.find(name);
  if (it != columns.end())
    return it->second;
  std::string known;
  for (auto& [key, values] : columns)
    known += (known.empty() ? "" : ", ") + key;
  throw input_error((folder / "metrics.csv").string() + ": no column '" + name +
                    "'; columns: " + known);
}

run_record read_run(const fs::path& folder, bool with_config) {
  if (!fs::is_directory(folder))
    throw input_error(folder.string() + ": no such run folder");
  run_record run;
  run.folder = folder;
  auto trimmed = folder.lexically_normal();
  run.name = (trimmed.has_filename() ? trimmed : trimmed.parent_path())
               .filename()
               .string();
  read_metrics(folder / "metrics.csv", run);
  if (run.rows() == 0)
    throw input_error((folder / "metrics.csv").string() + ": no rows");
  if (with_config)
    read_config(folder / "config.toml", run);
  return run;
}

mean_std summarize(const std::vector<double>& values) {
  mean_std s;
  s.count = values.size();
  if (values.empty())
    return s;
  double sum = 0;
  for (double v : values)
    sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2)
    return s;
  double sq = 0;
  for (double v : values)
    sq += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(values.size() - 1));
  return s;
}

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
    char t[32];
    std::snprintf(t, sizeof t, "%g", 100 * opts.target);
    header.push_back(std::string{"rounds to "} + t + "%");
    header.push_back(std::string{"seconds to "} + t + "%");
  }
  for (auto& name : opts.also)
    header.push_back("final " + name);
  auto row = [&out](const std::vector<std::string>& cells) {
    out << "|";
    for (auto& c : cells)
      out << " " << c << " |";
    out << "\n";
  };
  row(header);
  row(std::vector<std::string>(header.size(), "---"));
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
    cells.push_back(percent(g.min_agent));
    if (opts.target > 0) {
      auto n = g.runs.size();
      cells.push_back(reached(g.target_round, g.reached, n, 0));
      cells.push_back(reached(g.target_seconds, g.reached, n, 2));
    }
    for (auto& s : g.also)
      cells.push_back(general(s));
    row(cells);
  }
}

void report_command(const std::vector<std::string>& folders,
                    const report_options& opts, std::ostream& out) {
  if (opts.target < 0 || opts.target > 1)
    throw input_error("report: --target is an accuracy in (0, 1], got " +
                      std::to_string(opts.target));
  std::vector<run_record> runs;
  for (auto& f : folders)
    runs.push_back(read_run(f));
  print_report(out, aggregate_runs(runs, opts), opts);
}

} // namespace murmur
