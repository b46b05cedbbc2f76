// Run folders read back: metrics.csv and agent_accuracy.csv by column name,
// config.toml flattened to dotted keys.
#include "experiments/cli/run_record.hpp"

#include "core/base/error.hpp"
#include "core/base/schema.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace murmur {

namespace fs = std::filesystem;

namespace {

const std::string incomplete_suffix = ".incomplete";

/// A CSV file of numbers: its header and one vector per column.
struct csv_columns {
  std::vector<std::string> header;
  std::vector<std::vector<double>> values;
};

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

csv_columns read_csv(const fs::path& file) {
  std::ifstream in{file};
  if (!in)
    throw input_error(file.string() +
                      ": not found; is this a murmur run folder?");
  std::string line;
  if (!std::getline(in, line) || line.empty())
    throw input_error(file.string() + ": empty, no header line");
  csv_columns csv;
  csv.header = split(line, ',');
  csv.values.resize(csv.header.size());
  std::size_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty())
      continue;
    auto fields = split(line, ',');
    if (fields.size() != csv.header.size())
      throw input_error(file.string() + ":" + std::to_string(number) + ": " +
                        std::to_string(fields.size()) +
                        " fields, the header has " +
                        std::to_string(csv.header.size()));
    for (std::size_t c = 0; c < fields.size(); ++c)
      csv.values[c].push_back(
        parse_number(fields[c], file, number, csv.header[c]));
  }
  return csv;
}

void read_metrics(const fs::path& file, run_record& run) {
  auto csv = read_csv(file);
  for (std::size_t c = 0; c < csv.header.size(); ++c)
    run.columns[csv.header[c]] = std::move(csv.values[c]);
}

/// agent_accuracy.csv's agent columns, which must line up with metrics.csv's
/// rows (a run writes both per evaluation).
void read_agent_accuracy(const fs::path& file, run_record& run) {
  if (!fs::exists(file))
    return;
  auto csv = read_csv(file);
  if (csv.header.empty() || csv.header.front() != "round")
    throw input_error(file.string() + ": the first column must be round");
  // A run writes metrics.csv's row first, so an interrupted one may lack
  // the last agent row; a finished one has them all.
  auto& rounds = run.column("round");
  auto& agent_rounds = csv.values.front();
  bool prefix =
    agent_rounds.size() <= rounds.size() &&
    std::equal(agent_rounds.begin(), agent_rounds.end(), rounds.begin());
  if (!prefix || (!run.incomplete && agent_rounds.size() != rounds.size()))
    throw input_error(file.string() +
                      ": its rounds differ from metrics.csv's; the folder "
                      "mixes two runs");
  run.agent_accuracy.assign(csv.values.begin() + 1, csv.values.end());
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

std::string last_component(const fs::path& folder) {
  auto trimmed = folder.lexically_normal();
  return (trimmed.has_filename() ? trimmed : trimmed.parent_path())
    .filename()
    .string();
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

bool is_incomplete_folder(const fs::path& folder) {
  auto name = last_component(folder);
  return name.size() > incomplete_suffix.size() &&
         name.compare(name.size() - incomplete_suffix.size(),
                      incomplete_suffix.size(), incomplete_suffix) == 0;
}

void refuse_incomplete(const std::vector<std::string>& folders, bool allowed,
                       const std::string& command) {
  if (allowed)
    return;
  for (auto& f : folders)
    if (is_incomplete_folder(f))
      throw input_error(command + ": " + f +
                        " is an incomplete run (interrupted or still "
                        "running); wait for it, or pass --allow-incomplete "
                        "to include it marked as such");
}

run_record read_run(const fs::path& folder, bool with_config) {
  if (!fs::is_directory(folder))
    throw input_error(folder.string() + ": no such run folder");
  run_record run;
  run.folder = folder;
  run.name = last_component(folder);
  run.incomplete = is_incomplete_folder(folder);
  read_metrics(folder / "metrics.csv", run);
  if (run.rows() == 0)
    throw input_error((folder / "metrics.csv").string() + ": no rows");
  read_agent_accuracy(folder / "agent_accuracy.csv", run);
  if (with_config)
    read_config(folder / "config.toml", run);
  return run;
}

} // namespace murmur
