// Sweep files: the comparison's methods, their tuning grids, the tuning seed
// and the reported seeds, checked as a whole before anything runs.
#include "experiments/cli/sweep_spec.hpp"

#include "core/base/error.hpp"
#include "experiments/cli/markdown.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace murmur {

namespace fs = std::filesystem;

namespace {

/// Keys a sweep sets itself for every run.
const std::vector<std::string>& sweep_owned_keys() {
  static const std::vector<std::string> keys{"seed", "run.name", "run.output"};
  return keys;
}

std::string key_of(const std::string& assignment) {
  return assignment.substr(0, assignment.find('='));
}

void check_not_owned(const std::string& key, const std::string& where) {
  auto& owned = sweep_owned_keys();
  if (std::find(owned.begin(), owned.end(), key) != owned.end())
    throw input_error(where + ": " + key +
                      " is set by the sweep for every run; use tuning_seed, "
                      "seeds and --output");
}

/// The leaves of a table of run keys; `where` names it.
std::vector<std::pair<std::string, const toml::node*>>
run_keys(const toml::node& node, const std::string& where) {
  auto table = node.as_table();
  if (!table)
    throw input_error(where +
                      ": expected a table of run keys, e.g. { algorithm.name "
                      "= \"dpsgd\" }");
  auto keys = leaves(*table);
  for (auto& [key, value] : keys)
    check_not_owned(key, where);
  return keys;
}

/// A table of run keys as "key=value" assignments.
std::vector<std::string> assignments(const toml::node& node,
                                     const std::string& where) {
  std::vector<std::string> out;
  for (auto& [key, value] : run_keys(node, where))
    out.push_back(key + "=" + show_node(*value));
  return out;
}

/// A table of run keys, each an array of the values to try.
std::vector<grid_axis> axes(const toml::node& node, const std::string& where) {
  std::vector<grid_axis> out;
  for (auto& [key, value] : run_keys(node, where)) {
    auto array = value->as_array();
    if (!array || array->empty())
      throw input_error(where + "." + key +
                        ": expected a non-empty array of the values to try, "
                        "e.g. [0.01, 0.03, 0.1]");
    grid_axis axis{key, {}};
    for (auto& element : *array) {
      auto text = show_node(element);
      if (std::find(axis.values.begin(), axis.values.end(), text) !=
          axis.values.end())
        throw input_error(where + "." + key + ": " + text + " appears twice");
      axis.values.push_back(text);
    }
    out.push_back(std::move(axis));
  }
  return out;
}

/// The sweep's grid with the method's own axes on top.
std::vector<grid_axis> merged(std::vector<grid_axis> common,
                              const std::vector<grid_axis>& own) {
  for (auto& axis : own) {
    auto same =
      std::find_if(common.begin(), common.end(),
                   [&](const grid_axis& a) { return a.key == axis.key; });
    if (same != common.end())
      *same = axis;
    else
      common.push_back(axis);
  }
  return common;
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
           c == '_' || c == '.' || c == '+';
  });
}

method_spec read_method(const toml::table& table, std::size_t index,
                        const std::vector<grid_axis>& common) {
  method_spec m;
  auto name = table["name"].value<std::string>();
  auto where = "method " + std::to_string(index + 1);
  if (!name || !valid_name(*name))
    throw input_error(where +
                      ": name must be a string of letters, digits and - _ . "
                      "+ (it names the run folders), e.g. name = "
                      "\"relaysgd-chain\"");
  m.name = *name;
  where = "method '" + m.name + "'";
  std::vector<grid_axis> own;
  for (auto& [key, node] : table) {
    auto k = std::string{key.str()};
    if (k == "set")
      m.sets = assignments(node, where + ": set");
    else if (k == "grid")
      own = axes(node, where + ": grid");
    else if (k != "name")
      throw input_error(where + ": unknown key '" + k +
                        "'; a method has name, set and grid");
  }
  m.grid = merged(common, own);
  for (auto& assignment : m.sets)
    for (auto& axis : m.grid)
      if (key_of(assignment) == axis.key)
        throw input_error(where + ": " + axis.key +
                          " is both set and tuned; keep it in one of set and "
                          "grid");
  return m;
}

std::vector<method_spec> read_methods(const toml::array& list,
                                      const std::vector<grid_axis>& common) {
  std::vector<method_spec> methods;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    methods.push_back(read_method(*list[i].as_table(), i, common));
    if (!names.insert(methods.back().name).second)
      throw input_error("method '" + methods.back().name +
                        "': two methods share this name");
  }
  return methods;
}

void check_seeds(const sweep_spec& spec) {
  std::set<int> distinct(spec.seeds.begin(), spec.seeds.end());
  if (distinct.size() != spec.seeds.size())
    throw input_error("seeds: a seed appears twice");
  if (spec.seeds.size() < 3)
    throw input_error("seeds: " + std::to_string(spec.seeds.size()) +
                      " reported seed(s); report at least 3, e.g. seeds = "
                      "[1, 2, 3]");
  if (std::any_of(spec.seeds.begin(), spec.seeds.end(), [&](int seed) {
        return static_cast<std::uint64_t>(seed) == spec.tuning_seed;
      }))
    throw input_error("tuning_seed: " + std::to_string(spec.tuning_seed) +
                      " is also a reported seed; tune on a seed that is "
                      "never reported, e.g. tuning_seed = 0 with seeds = [1, "
                      "2, 3]");
}

/// --set keys must not undo what makes a method or what the grid tunes.
void check_cli_sets(const sweep_spec& spec,
                    const std::vector<std::string>& cli_sets) {
  for (auto& assignment : cli_sets) {
    auto key = key_of(assignment);
    check_not_owned(key, "--set");
    for (auto& m : spec.methods) {
      for (auto& own : m.sets)
        if (key_of(own) == key)
          throw input_error("--set " + key + ": method '" + m.name +
                            "' sets it; change the sweep file instead");
      for (auto& axis : m.grid)
        if (axis.key == key)
          throw input_error("--set " + key + ": method '" + m.name +
                            "' tunes it on a grid; change the grid instead");
    }
  }
}

/// Every run name distinct, every grid point a valid config.
void check_runs(const sweep_spec& spec) {
  std::set<std::string> names;
  for (auto& m : spec.methods)
    for (auto& point : grid_points(m)) {
      resolve_run(spec, m, point, spec.tuning_seed, "runs");
      for (auto seed : spec.seeds) {
        auto name = run_name(m, point, static_cast<std::uint64_t>(seed));
        if (!names.insert(name).second)
          throw input_error("method '" + m.name +
                            "': two runs would share the folder name '" + name +
                            "'; rename the method or its values");
      }
    }
}

toml::table parse_sweep_file(const fs::path& file) {
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    auto& where = e.source().begin;
    throw input_error(file.string() + ":" + std::to_string(where.line) + ":" +
                      std::to_string(where.column) + ": " +
                      std::string{e.description()});
  }
}

sweep_spec read_sweep(const fs::path& file,
                      const std::vector<std::string>& cli_sets) {
  if (!fs::is_regular_file(file))
    throw input_error(file.string() + ": cannot read the sweep file");
  auto root = parse_sweep_file(file);
  sweep_spec spec;
  std::vector<grid_axis> common;
  if (auto set = root.get("set"))
    spec.sets = assignments(*set, "set");
  if (auto grid = root.get("grid"))
    common = axes(*grid, "grid");
  auto methods = root.get("method");
  if (!methods || !methods->is_array_of_tables() ||
      methods->as_array()->empty())
    throw input_error("method: no methods; add [[method]] tables with a name, "
                      "a set of keys and a grid");
  spec.methods = read_methods(*methods->as_array(), common);
  for (auto key : {"set", "grid", "method"})
    root.erase(key);
  sweep_schema().apply(spec, root);
  check_seeds(spec);
  check_cli_sets(spec, cli_sets);
  spec.sets.insert(spec.sets.end(), cli_sets.begin(), cli_sets.end());
  if (!spec.base.empty())
    spec.base = (file.parent_path() / spec.base).lexically_normal().string();
  check_runs(spec);
  return spec;
}

} // namespace

const schema<sweep_spec>& sweep_schema() {
  static const auto s = [] {
    using S = sweep_spec;
    using str = std::string;
    using u64 = std::uint64_t;
    schema<S> s;
    s.add<str>(
      "base", [](S& x) -> str& { return x.base; },
      "run config (TOML) every run starts from, relative to the sweep file");
    s.add<u64>(
      "tuning_seed", [](S& x) -> u64& { return x.tuning_seed; },
      "seed of the tuning runs; never among the reported seeds");
    s.add<std::vector<int>>(
      "seeds", [](S& x) -> std::vector<int>& { return x.seeds; },
      "reported seeds, at least 3; each method runs them at its chosen point",
      [](const std::string& key, const std::vector<int>& v) {
        for (int seed : v)
          if (seed < 0)
            throw input_error(key + ": seeds are >= 0, got " +
                              std::to_string(seed));
      });
    s.add<run_metric>(
      "select", [](S& x) -> run_metric& { return x.select; },
      "what the tuning optimises over the last `last` evaluations: "
      "accuracies are maximised, losses minimised");
    s.add<u64>(
      "last", [](S& x) -> u64& { return x.last; },
      "evaluations averaged at the end of a run, for the selection and the "
      "min-agent accuracy",
      at_least<u64>(1));
    s.add<double>(
      "target", [](S& x) -> double& { return x.target; },
      "average-model accuracy for the rounds, steps, bytes and seconds to "
      "target columns (0 = none)",
      in_range(0, 1, false, true));
    s.add<str>(
      "output", [](S& x) -> str& { return x.output; },
      "folder of the sweep: runs, logs, report (default runs/<file stem>; "
      "--output overrides)");
    return s;
  }();
  return s;
}

sweep_spec load_sweep(const fs::path& file,
                      const std::vector<std::string>& cli_sets) {
  try {
    return read_sweep(file, cli_sets);
  } catch (const input_error& e) {
    auto message = std::string{e.what()};
    if (message.rfind(file.string(), 0) == 0)
      throw;
    throw input_error(file.string() + ": " + message);
  }
}

std::vector<grid_point> grid_points(const method_spec& method) {
  std::vector<grid_point> points{grid_point{}};
  for (auto& axis : method.grid) {
    std::vector<grid_point> next;
    for (auto& partial : points)
      for (auto& value : axis.values) {
        auto point = partial;
        point.values.emplace_back(axis.key, value);
        next.push_back(std::move(point));
      }
    points = std::move(next);
  }
  return points;
}

std::string point_label(const method_spec& method, const grid_point& point) {
  auto leaf = [](const std::string& key) {
    return key.substr(key.rfind('.') + 1);
  };
  std::string label;
  for (auto& [key, value] : point.values) {
    auto shared = std::count_if(
      method.grid.begin(), method.grid.end(),
      [&](const grid_axis& a) { return leaf(a.key) == leaf(key); });
    std::string part = (shared > 1 ? key : leaf(key)) + bare(value);
    for (auto& c : part)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' &&
          c != '.' && c != '+' && c != '_')
        c = '_';
    label += (label.empty() ? "" : "-") + part;
  }
  return label;
}

std::string run_name(const method_spec& method, const grid_point& point,
                     std::uint64_t seed) {
  auto label = point_label(method, point);
  return method.name + (label.empty() ? "" : "-" + label) + "-s" +
         std::to_string(seed);
}

run_config resolve_run(const sweep_spec& spec, const method_spec& method,
                       const grid_point& point, std::uint64_t seed,
                       const fs::path& runs) {
  auto sets = spec.sets;
  sets.insert(sets.end(), method.sets.begin(), method.sets.end());
  for (auto& [key, value] : point.values)
    sets.push_back(key + "=" + value);
  run_config cfg;
  try {
    cfg = load_config(spec.base, sets);
  } catch (const input_error& e) {
    throw input_error("method '" + method.name + "': " + e.what());
  }
  cfg.seed = seed;
  cfg.run.name = run_name(method, point, seed);
  cfg.run.output = runs.string();
  return cfg;
}

} // namespace murmur
