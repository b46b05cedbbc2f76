// What a sweep leaves behind: the tuning grid and its scores, the chosen
// values, the comparison table with its conventions in words, and the
// curves against rounds, local steps, bytes and clock seconds.
#include "experiments/cli/sweep_report.hpp"

#include "experiments/cli/figure.hpp"
#include "experiments/cli/markdown.hpp"
#include "experiments/cli/results.hpp"
#include "experiments/cli/sweep_figures.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

namespace murmur {

namespace fs = std::filesystem;

namespace {

enum class cell_format { percent, whole, two_decimals, general };

const char* clock_words = " (simulated seconds under clock.kind = virtual, "
                          "wall seconds under real)";

/// One column of the per-method tables: a number per run, none when the
/// run never got there (a target it did not reach).
struct column {
  std::string header;
  std::string convention;
  std::function<std::optional<double>(const run_record&)> value;
  cell_format format;
};

std::string formatted(const mean_std& s, cell_format f) {
  switch (f) {
    case cell_format::percent: return percent(s);
    case cell_format::whole: return fixed(s, 0);
    case cell_format::two_decimals: return fixed(s, 2);
    case cell_format::general: return general(s);
  }
  return "";
}

std::string cell(const column& c, const std::vector<run_record>& runs) {
  if (runs.empty())
    return "—";
  std::vector<double> values;
  for (auto& run : runs)
    if (auto v = c.value(run))
      values.push_back(*v);
  return with_hits(formatted(summarize(values), c.format), values.size(),
                   runs.size());
}

std::string target_text(double target) {
  std::ostringstream out;
  out << 100 * target << "%";
  return out.str();
}

column metric_column(run_metric m, std::size_t k) {
  return {metric_header(m, k), metric_convention(m, k),
          [m, k](const run_record& run) -> std::optional<double> {
            double v = metric_value(run, m, k);
            if (std::isnan(v))
              return std::nullopt;
            return v;
          },
          higher_is_better(m) ? cell_format::percent : cell_format::general};
}

column to_target(const std::string& what, const std::string& name,
                 double target, cell_format f) {
  return {what + " to " + target_text(target),
          name +
            " at the first evaluation where the average model's test "
            "accuracy reaches " +
            target_text(target) + "; mean over the runs that reach it",
          [name, target](const run_record& run) -> std::optional<double> {
            auto row = first_row_reaching(run, target);
            if (!row)
              return std::nullopt;
            return run.column(name)[*row];
          },
          f};
}

column final_value(const std::string& header, const std::string& name,
                   cell_format f) {
  return {header,
          name + " at the last evaluation" +
            (name == "time_seconds" ? std::string{clock_words} : ""),
          [name](const run_record& run) -> std::optional<double> {
            return run.column(name).back();
          },
          f};
}

/// The selection metric first, then the usual ones it does not repeat,
/// then the to-target columns.
std::vector<column> result_columns(const sweep_spec& spec) {
  std::vector<std::pair<run_metric, std::size_t>> metrics{
    {spec.select, spec.last},
    {run_metric::test_accuracy, 1},
    {run_metric::min_agent_accuracy, spec.last},
    {run_metric::test_loss, 1}};
  std::vector<column> columns;
  for (std::size_t i = 0; i < metrics.size(); ++i)
    if (i == 0 || metrics[i] != metrics[0])
      columns.push_back(metric_column(metrics[i].first, metrics[i].second));
  if (spec.target > 0) {
    columns.push_back(
      to_target("rounds", "round", spec.target, cell_format::whole));
    columns.push_back(
      to_target("local steps", "local_steps", spec.target, cell_format::whole));
    columns.push_back(
      to_target("bytes", "bytes_sent", spec.target, cell_format::general));
    columns.push_back(to_target("seconds", "time_seconds", spec.target,
                                cell_format::two_decimals));
  }
  return columns;
}

std::vector<column> budget_columns() {
  return {final_value("rounds", "round", cell_format::whole),
          final_value("local steps", "local_steps", cell_format::whole),
          final_value("bytes sent", "bytes_sent", cell_format::general),
          final_value("seconds (run's clock)", "time_seconds",
                      cell_format::two_decimals)};
}

/// Every grid key of the sweep, in order of first appearance.
std::vector<std::string> grid_keys(const sweep_outcome& sweep) {
  std::vector<std::string> keys;
  for (auto& m : sweep.methods)
    for (auto& axis : m.method->grid)
      if (std::find(keys.begin(), keys.end(), axis.key) == keys.end())
        keys.push_back(axis.key);
  return keys;
}

std::string value_at(const grid_point& point, const std::string& key) {
  for (auto& [k, v] : point.values)
    if (k == key)
      return bare(v);
  return "";
}

std::string seeds_of(const std::vector<run_record>& runs) {
  std::string seeds;
  for (auto& run : runs) {
    auto it = run.config.find("seed");
    seeds += (seeds.empty() ? "" : ",") +
             (it == run.config.end() ? std::string{"?"} : it->second);
  }
  return seeds;
}

std::string joined(const std::vector<int>& seeds) {
  std::string out;
  for (auto s : seeds)
    out += (out.empty() ? "" : ", ") + std::to_string(s);
  return out;
}

void print_table(std::ostream& out, const sweep_outcome& sweep,
                 const std::vector<column>& columns, bool with_choice) {
  auto keys = with_choice ? grid_keys(sweep) : std::vector<std::string>{};
  std::vector<std::string> header{"method"};
  header.insert(header.end(), keys.begin(), keys.end());
  header.push_back("seeds");
  for (auto& c : columns)
    header.push_back(c.header);
  markdown_header(out, header);
  for (auto& m : sweep.methods) {
    std::vector<std::string> cells{m.method->name};
    for (auto& key : keys)
      cells.push_back(m.chosen ? value_at(m.points[*m.chosen], key) : "");
    cells.push_back(m.reported.empty() ? "none finished"
                                       : seeds_of(m.reported));
    for (auto& c : columns)
      cells.push_back(cell(c, m.reported));
    markdown_row(out, cells);
  }
}

void print_conventions(std::ostream& out, const std::vector<column>& columns) {
  out << "\nEach cell is the mean ± sample standard deviation over the "
         "reported seeds.\n\n";
  for (auto& c : columns)
    out << "- " << c.header << ": " << c.convention << ".\n";
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos)
    return text;
  std::string out = "\"";
  for (char c : text)
    out += c == '"' ? std::string{"\"\""} : std::string(1, c);
  return out + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i)
    line += (i ? "," : "") + csv_field(fields[i]);
  return line + "\n";
}

std::string score_text(double score, run_metric m) {
  if (std::isnan(score))
    return "failed";
  mean_std s{score, 0, 1};
  return higher_is_better(m) ? percent(s) : general(s);
}

void write_grid_csv(const sweep_outcome& sweep) {
  auto keys = grid_keys(sweep);
  std::vector<std::string> header{"method", "run"};
  header.insert(header.end(), keys.begin(), keys.end());
  header.push_back(to_string(sweep.spec->select));
  header.push_back("chosen");
  std::string text = csv_line(header);
  for (auto& m : sweep.methods)
    for (std::size_t p = 0; p < m.tuning_runs.size(); ++p) {
      std::vector<std::string> row{m.method->name, m.tuning_runs[p]};
      for (auto& key : keys)
        row.push_back(value_at(m.points[p], key));
      char score[32];
      std::snprintf(score, sizeof score, "%.9g", m.scores[p]);
      row.push_back(score);
      row.push_back(m.chosen == p ? "1" : "0");
      text += csv_line(row);
    }
  write_file_atomically(sweep.dir / "grid.csv", text);
}

void write_chosen_csv(const sweep_outcome& sweep) {
  std::string text = csv_line({"method", "key", "value", "grid", "edge"});
  for (auto& m : sweep.methods) {
    if (!m.chosen)
      continue;
    for (auto& [key, value] : m.points[*m.chosen].values) {
      std::string grid;
      for (auto& axis : m.method->grid)
        if (axis.key == key)
          for (auto& v : axis.values)
            grid += (grid.empty() ? "" : " ") + bare(v);
      bool edge = false;
      for (auto& w : m.warnings)
        edge = edge || w.find(": " + key + " = ") != std::string::npos;
      text +=
        csv_line({m.method->name, key, bare(value), grid, edge ? "yes" : "no"});
    }
  }
  write_file_atomically(sweep.dir / "chosen.csv", text);
}

void print_protocol(std::ostream& out, const sweep_outcome& sweep) {
  auto& spec = *sweep.spec;
  out << "Each method ran every point of its grid on tuning seed "
      << spec.tuning_seed
      << ", which is never reported, and kept the point with the "
      << (higher_is_better(spec.select) ? "highest" : "lowest")
      << " selection metric, " << metric_header(spec.select, spec.last) << ": "
      << metric_convention(spec.select, spec.last)
      << " (ties go to the first point). Seeds " << joined(spec.seeds)
      << " then ran at that point. Sweep file: `" << sweep.file.string()
      << "`; base config: `" << (spec.base.empty() ? "defaults" : spec.base)
      << "`";
  if (!spec.sets.empty()) {
    out << "; for every run:";
    for (auto& s : spec.sets)
      out << " `" << s << "`";
  }
  out << ".\n\n";
  for (auto& m : sweep.methods) {
    out << "- " << m.method->name << ":";
    for (auto& s : m.method->sets)
      out << " `" << s << "`";
    for (auto& axis : m.method->grid) {
      out << "; " << axis.key << " in {";
      for (std::size_t i = 0; i < axis.values.size(); ++i)
        out << (i ? ", " : "") << bare(axis.values[i]);
      out << "}";
    }
    out << "\n";
  }
}

void print_tuning(std::ostream& out, const sweep_outcome& sweep,
                  std::ostream& log) {
  auto& spec = *sweep.spec;
  out << "\n## Tuning on seed " << spec.tuning_seed << "\n\n";
  if (gnuplot_available())
    draw_tuning(out, sweep, log);
  for (auto& m : sweep.methods) {
    out << "\n### " << m.method->name << "\n\n";
    if (m.tuning_runs.empty()) {
      out << "A single point: nothing to tune.\n";
      continue;
    }
    std::vector<std::string> header;
    for (auto& axis : m.method->grid)
      header.push_back(axis.key);
    header.insert(header.end(),
                  {metric_header(spec.select, spec.last), "run", ""});
    markdown_header(out, header);
    for (std::size_t p = 0; p < m.points.size(); ++p) {
      std::vector<std::string> cells;
      for (auto& [key, value] : m.points[p].values)
        cells.push_back(bare(value));
      cells.push_back(score_text(m.scores[p], spec.select));
      cells.push_back(m.tuning_runs[p].empty()
                        ? "failed"
                        : fs::path{m.tuning_runs[p]}.filename().string());
      cells.push_back(m.chosen == p ? "chosen" : "");
      markdown_row(out, cells);
    }
  }
}

} // namespace

void print_results(std::ostream& out, const sweep_outcome& sweep) {
  auto columns = result_columns(*sweep.spec);
  print_table(out, sweep, columns, true);
  print_conventions(out, columns);
  std::string without;
  for (auto& m : sweep.methods)
    for (auto& run : m.reported)
      if (run.agent_accuracy.empty())
        without += (without.empty() ? "" : ", ") + run.name;
  if (!without.empty())
    out << "\nWithout agent_accuracy.csv (Plexus: the agents share one "
           "model), the min-agent column takes the mean of the "
           "per-evaluation minimum: "
        << without << ".\n";
}

void write_sweep_report(const sweep_outcome& sweep, std::ostream& log) {
  write_grid_csv(sweep);
  write_chosen_csv(sweep);
  std::ostringstream md;
  auto name = sweep.file.filename();
  while (name.has_extension())
    name = name.stem();
  md << "# Sweep " << name.string() << "\n\n";
  print_protocol(md, sweep);
  md << "\n## Results: seeds " << joined(sweep.spec->seeds) << "\n\n";
  print_results(md, sweep);
  md << "\n## Budget at the last evaluation\n\n";
  auto budget = budget_columns();
  print_table(md, sweep, budget, false);
  print_conventions(md, budget);
  md << "\n## Curves\n\n";
  if (gnuplot_available())
    draw_curves(md, sweep, log);
  else
    md << "No figures: gnuplot is not installed (Debian gnuplot-nox).\n";
  print_tuning(md, sweep, log);
  std::vector<std::string> warnings;
  for (auto& m : sweep.methods)
    warnings.insert(warnings.end(), m.warnings.begin(), m.warnings.end());
  if (!warnings.empty()) {
    md << "\n## Warnings\n\n";
    for (auto& w : warnings)
      md << "- " << w << "\n";
  }
  if (!sweep.failures.empty()) {
    md << "\n## Failed runs\n\n";
    for (auto& f : sweep.failures)
      md << "- " << f << "\n";
  }
  write_file_atomically(sweep.dir / "report.md", md.str());
}

} // namespace murmur
