#include "experiments/cli/dashboard/run_json.hpp"

#include "core/algorithms/kinds.hpp"
#include "experiments/cli/run_record.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace murmur::dashboard {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines_of(const fs::path& file) {
  std::ifstream in{file};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.push_back(line);
  return lines;
}

/// Fields of a CSV line whose quoted fields hold no quotes (events.csv).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      fields.emplace_back();
    else
      fields.back() += c;
  }
  return fields;
}

} // namespace

nlohmann::json graph_json(const topology* t, std::size_t agents) {
  nlohmann::json g{{"agents", agents},
                   {"drawn", agents <= drawn_graph_limit},
                   {"edges", nlohmann::json::array()},
                   {"directed", false}};
  if (!t || agents > drawn_graph_limit)
    return g;
  std::set<std::pair<agent_id, agent_id>> edges;
  bool directed = false;
  for (auto& phase : t->phases) {
    directed = directed || !phase.is_undirected();
    for (agent_id i = 0; i < phase.size(); ++i)
      for (auto j : phase.out[i])
        edges.insert(phase.is_undirected()
                       ? std::pair{std::min(i, j), std::max(i, j)}
                       : std::pair{i, j});
  }
  for (auto& [a, b] : edges)
    g["edges"].push_back({a, b});
  g["directed"] = directed;
  if (!t->positions.empty())
    g["positions"] = t->positions;
  return g;
}

bool is_protocol(const run_config& cfg) {
  auto& entry = algorithm_registry::get(cfg.algorithm.name, "algorithm.name");
  return std::holds_alternative<protocol_factory>(entry.make);
}

nlohmann::json run_json(const std::string& name, const run_config& cfg) {
  std::ostringstream header;
  write_csv_header(header);
  auto text = header.str();
  text.pop_back(); // the newline
  return {{"name", name},
          {"algorithm", cfg.algorithm.name},
          {"agents", cfg.run.agents},
          {"clock", to_string(cfg.clock.kind)},
          {"protocol", is_protocol(cfg)},
          {"header", text},
          {"rows", nlohmann::json::array()},
          {"events", nlohmann::json::array()},
          {"agents_table", nullptr}};
}

std::string csv_line(const metrics_row& row) {
  std::ostringstream out;
  write_csv_row(out, row);
  auto text = out.str();
  text.pop_back();
  return text;
}

nlohmann::json event_entry(double time_seconds, const std::string& source,
                           const std::string& text, const std::string& result) {
  return {time_seconds, source, text, result};
}

nlohmann::json agents_table(const fs::path& folder) {
  auto lines = lines_of(folder / "agents.csv");
  if (lines.empty())
    return nullptr;
  nlohmann::json table{{"columns", csv_fields(lines.front())},
                       {"rows", nlohmann::json::array()}};
  for (std::size_t i = 1; i < lines.size(); ++i) {
    auto row = nlohmann::json::array();
    for (auto& f : csv_fields(lines[i]))
      row.push_back(std::strtod(f.c_str(), nullptr));
    table["rows"].push_back(row);
  }
  return table;
}

nlohmann::json configured_graph(const run_config& cfg) {
  auto n = cfg.run.agents;
  if (is_protocol(cfg) || n > drawn_graph_limit)
    return graph_json(nullptr, n);
  auto t = make_topology(n, cfg.seed, cfg.topology);
  return graph_json(&t, n);
}

nlohmann::json folder_json(const fs::path& folder, const run_config& cfg) {
  read_run(folder, false); // one line naming what is missing or malformed
  auto name = folder.filename().string();
  auto run = run_json(name, cfg);
  run["incomplete"] = is_incomplete_folder(folder);
  auto metrics = lines_of(folder / "metrics.csv");
  run["header"] = metrics.front();
  for (std::size_t i = 1; i < metrics.size(); ++i)
    run["rows"].push_back(metrics[i]);
  auto events = lines_of(folder / "events.csv");
  for (std::size_t i = 1; i < events.size(); ++i) {
    auto f = csv_fields(events[i]);
    if (f.size() == 4)
      run["events"].push_back(
        event_entry(std::strtod(f[0].c_str(), nullptr), f[1], f[2], f[3]));
  }
  run["agents_table"] = agents_table(folder);
  return run;
}

} // namespace murmur::dashboard
