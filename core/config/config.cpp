#include "core/config/config.hpp"

#include "core/algorithms/kinds.hpp"

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace murmur {

namespace {

const char* algorithm_prefix = "algorithm.";

/// More threads than this only add contention: CAF's workers and oneTBB
/// share the cores.
int max_threads() {
  return 8 *
         static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

/// The keys of the run itself; every other section declares its own keys
/// beside its struct.
void add_run_keys(schema<run_config>& s) {
  using C = run_config;
  using u64 = std::uint64_t;
  using str = std::string;
  s.add<str>(
    "algorithm.name", [](C& c) -> str& { return c.algorithm.name; },
    "algorithm: " + algorithm_registry::joined_names() +
      "; its own keys sit beside name in [algorithm]");
  s.add<u64>(
    "run.agents", [](C& c) -> u64& { return c.run.agents; },
    "number of agents (ids are 32-bit)",
    between<u64>(1, std::numeric_limits<agent_id>::max()));
  s.add<u64>(
    "run.rounds", [](C& c) -> u64& { return c.run.rounds; },
    "communication rounds", at_least<u64>(1));
  s.add<double>(
    "run.time_budget", [](C& c) -> double& { return c.run.time_budget; },
    "stop at the first evaluation after this many seconds on the run's clock "
    "(0 = no limit)",
    in_range(0, 1e9));
  s.add<u64>(
    "run.eval_every", [](C& c) -> u64& { return c.run.eval_every; },
    "rounds between evaluations", at_least<u64>(1));
  s.add<double>(
    "run.eval_seconds", [](C& c) -> double& { return c.run.eval_seconds; },
    "algorithms that run by time (asynchronous ones, Plexus): seconds on the "
    "run's clock between evaluations; metrics.csv's round is then the "
    "evaluation index (such runs end at run.time_budget and ignore "
    "run.rounds)",
    positive());
  s.add<int>(
    "run.threads", [](C& c) -> int& { return c.run.threads; },
    "worker threads shared by actors and oneTBB (0 = all cores, at most "
    "8 per core)",
    between(0, max_threads()));
  s.add<u64>(
    "run.batch_size", [](C& c) -> u64& { return c.run.batch_size; },
    "minibatch size per local step", at_least<u64>(1));
  s.add<str>(
    "run.output", [](C& c) -> str& { return c.run.output; },
    "folder under which each run gets its own folder");
  s.add<str>(
    "run.name", [](C& c) -> str& { return c.run.name; },
    "run folder name (default: the config file's name)",
    [](const std::string& key, const std::string& v) {
      if (v.size() > 200 || v.find('/') != std::string::npos || v == "." ||
          v == "..")
        throw input_error(key + ": must be a plain folder name of at most "
                                "200 characters, without '/'");
    });
  s.add<double>(
    "run.target_accuracy",
    [](C& c) -> double& { return c.run.target_accuracy; },
    "time-to-accuracy threshold for the average model (0 = off)",
    in_range(0, 1));
  s.add<bool>(
    "run.stop_at_target", [](C& c) -> bool& { return c.run.stop_at_target; },
    "end the run at the first evaluation that reaches run.target_accuracy");
  s.add<engine_kind>(
    "run.engine", [](C& c) -> engine_kind& { return c.run.engine; },
    "trainer + mailer actors per agent, or the actor-free reference loop "
    "(same numbers)");
  s.add<u64>(
    "eval.max_agents", [](C& c) -> u64& { return c.eval.max_agents; },
    "per-agent accuracy on at most this many agents, evenly spaced (0 = "
    "all)");
  s.add<u64>(
    "eval.test_samples", [](C& c) -> u64& { return c.eval.test_samples; },
    "evaluate on the first N test samples (0 = all)");
  s.add<clock_kind>(
    "clock.kind", [](C& c) -> clock_kind& { return c.clock.kind; },
    "real: the wall clock, modelled durations slept for real; virtual: "
    "deterministic discrete-event time");
  s.add<int>(
    "control.port", [](C& c) -> int& { return c.control.port; },
    "real clock: accept live commands (murmur ctl) on 127.0.0.1:port, 0 = "
    "off",
    between(0, 65535));
  s.add<bool>(
    "control.console", [](C& c) -> bool& { return c.control.console; },
    "real clock: read live commands from stdin");
}

schema<run_config> make_schema() {
  using C = run_config;
  using u64 = std::uint64_t;
  schema<C> s;
  s.add<u64>(
    "seed", [](C& c) -> u64& { return c.seed; },
    "master seed; every random stream derives from it");
  s.include(data_schema(), [](C& c) -> data_config& { return c.data; });
  s.include(partition_schema(),
            [](C& c) -> partition_spec& { return c.partition; });
  s.include(model_schema(), [](C& c) -> model_spec& { return c.model; });
  s.include(optimizer_schema(),
            [](C& c) -> optimizer_spec& { return c.optimizer; });
  s.include(topology_schema(),
            [](C& c) -> topology_spec& { return c.topology; });
  add_run_keys(s);
  s.include(cost_schema(), [](C& c) -> cost_config& { return c.cost; });
  s.include(network_schema(),
            [](C& c) -> network_config& { return c.network; });
  s.include(stragglers_schema(),
            [](C& c) -> straggler_config& { return c.stragglers; });
  s.include(churn_schema(), [](C& c) -> churn_config& { return c.churn; });
  s.include(hosts_schema(), [](C& c) -> hosts_section& { return c.hosts; });
  s.include(dashboard_schema(),
            [](C& c) -> dashboard_section& { return c.dashboard; });
  return s;
}

bool is_algorithm_option(const std::string& key) {
  return key.compare(0, std::string{algorithm_prefix}.size(),
                     algorithm_prefix) == 0;
}

void set_algorithm_option(run_config& cfg, const std::string& key,
                          const toml::node& node) {
  auto leaf = key.substr(std::string{algorithm_prefix}.size());
  cfg.algorithm.options.insert_or_assign(leaf, node);
}

void apply_table(run_config& cfg, const toml::table& root) {
  auto& s = config_schema();
  for (auto& [key, node] : leaves(root)) {
    if (!s.declares(key) && is_algorithm_option(key))
      set_algorithm_option(cfg, key, *node);
    else
      s.find(key).read(cfg, *node);
  }
}

/// Whether `text` is well-formed UTF-8: shortest encodings of code points up
/// to U+10FFFF, no surrogates.
bool valid_utf8(const std::string& text) {
  static const std::uint32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
  for (std::size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t len = lead < 0x80           ? 1
                      : (lead >> 5) == 0x6  ? 2
                      : (lead >> 4) == 0xE  ? 3
                      : (lead >> 3) == 0x1E ? 4
                                            : 0;
    if (len == 0 || text.size() - i < len)
      return false;
    std::uint32_t code = len == 1 ? lead : lead & (0x7Fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80)
        return false;
      code = code << 6 | (next & 0x3Fu);
    }
    if (code < shortest[len] || code > 0x10FFFF ||
        (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

/// Configs are small; anything larger is not one (a device, a data file).
constexpr std::size_t max_config_bytes = 1 << 20;

toml::table parse_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw input_error(path + ": no such config file");
  if (std::filesystem::is_directory(status))
    throw input_error(path + ": a directory, not a config file; give a .toml "
                             "file");
  std::ifstream in{path};
  if (!in)
    throw input_error(path + ": cannot read the config file");
  std::string text(max_config_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_config_bytes)
    throw input_error(path + ": larger than " +
                      std::to_string(max_config_bytes >> 20) +
                      " MiB, which no config is; give a .toml file");
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    auto& where = e.source().begin;
    throw input_error(path + ":" + std::to_string(where.line) + ":" +
                      std::to_string(where.column) + ": " +
                      std::string{e.description()});
  }
}

} // namespace

const schema<run_config>& config_schema() {
  static const auto instance = make_schema();
  return instance;
}

void apply_override(run_config& cfg, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw input_error("--set " + assignment +
                      ": expected key=value, e.g. --set optimizer.lr=0.05");
  auto key = assignment.substr(0, eq);
  auto value = assignment.substr(eq + 1);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    // A bare word is a string; TOML strings are UTF-8, and one that is not
    // would reach the nodes (and config.toml) as a different string.
    if (!valid_utf8(value))
      throw input_error("--set " + key +
                        ": the value is not valid UTF-8; write it in UTF-8");
    parsed.insert("v", value);
  }
  auto& node = *parsed.get("v");
  if (!config_schema().declares(key) && is_algorithm_option(key))
    set_algorithm_option(cfg, key, node);
  else
    config_schema().find(key).read(cfg, node);
}

run_config load_config(const std::string& path,
                       const std::vector<std::string>& overrides) {
  run_config cfg;
  if (!path.empty())
    apply_table(cfg, parse_file(path));
  for (auto& assignment : overrides)
    apply_override(cfg, assignment);
  validate(cfg);
  return cfg;
}

void validate(run_config& cfg) {
  auto& entry = algorithm_registry::get(cfg.algorithm.name, "algorithm.name");
  cfg.algorithm.options = options_of(entry.make).resolve(cfg.algorithm.options);
  registry<partitioner>::get(cfg.partition.kind, "partition.kind");
  registry<topology_factory>::get(cfg.topology.kind, "topology.kind");
  validate(cfg.model);
  validate(cfg.optimizer);
  if ((cfg.data.name == data_source::synthetic_regression) !=
      (cfg.model.kind == model_kind::linear))
    throw input_error("model.kind: \"" + to_string(cfg.model.kind) +
                      "\" does not suit data.name = \"" +
                      to_string(cfg.data.name) +
                      "\"; use model.kind = \"linear\" exactly with "
                      "data.name = \"synthetic-regression\"");
  // Built only to check that its layers chain on the data's samples.
  auto g = geometry_of(cfg.data);
  make_model(cfg.model, g.shape, g.classes, g.targets);
  validate(cfg.cost);
  validate(cfg.network, cfg.run.agents);
  validate(cfg.stragglers, cfg.run.agents);
  validate(cfg.churn);
  bool by_time = runs_by_time(entry.make);
  if (cfg.churn.kind != churn_kind::none && !by_time)
    throw input_error("churn.kind: churn is modelled for event-driven and "
                      "asynchronous algorithms (plexus, gossip-learning, "
                      "draco), not for synchronous rounds; set churn.kind = "
                      "\"none\" for '" +
                      cfg.algorithm.name + "'");
  if (cfg.network.message_loss > 0 && !survives_message_loss(entry.make))
    throw input_error(
      "network.message_loss: " +
      std::string{by_time ? "message drops are modelled for synchronous "
                            "rounds only (DRACO has algorithm.erasure)"
                          : "a collective has no defined result when a "
                            "message is lost"} +
      "; set network.message_loss = 0 for '" + cfg.algorithm.name + "'");
  if (by_time) {
    if (!(cfg.run.time_budget > 0))
      throw input_error("run.time_budget: asynchronous algorithm '" +
                        cfg.algorithm.name +
                        "' runs by time; set it > 0, e.g. run.time_budget = "
                        "60");
    if (cfg.run.engine == engine_kind::lockstep)
      throw input_error("run.engine: asynchronous algorithm '" +
                        cfg.algorithm.name +
                        "' has no lock-step loop; use run.engine = "
                        "\"actors\"");
  }
  if (cfg.run.engine == engine_kind::lockstep &&
      cfg.clock.kind == clock_kind::simulated)
    throw input_error("run.engine: the lockstep reference loop has no clock; "
                      "use run.engine = \"actors\" for clock.kind = "
                      "\"virtual\"");
  if (cfg.clock.kind == clock_kind::simulated &&
      (cfg.control.port != 0 || cfg.control.console))
    throw input_error("control.port: live commands need clock.kind = "
                      "\"real\"; script them with stragglers.events instead");
  if (!cfg.hosts.list.empty()) {
    if (cfg.clock.kind != clock_kind::real)
      throw input_error("hosts.list: runs across hosts need clock.kind = "
                        "\"real\"");
    if (cfg.run.engine != engine_kind::actors)
      throw input_error("hosts.list: runs across hosts need run.engine = "
                        "\"actors\"");
  }
  validate(cfg.hosts, cfg.run.agents);
  validate(cfg.dashboard);
  if (cfg.clock.kind == clock_kind::real &&
      (cfg.dashboard.speed > 0 || cfg.dashboard.start_paused))
    throw input_error(std::string{cfg.dashboard.speed > 0
                                    ? "dashboard.speed"
                                    : "dashboard.start_paused"} +
                      ": paces the virtual clock only; set clock.kind = "
                      "\"virtual\" or leave it unset");
}

run_config config_from_text(const std::string& text,
                            const std::string& origin) {
  run_config cfg;
  try {
    apply_table(cfg, toml::parse(text, origin));
  } catch (const toml::parse_error& e) {
    throw input_error(origin + ": " + std::string{e.description()});
  }
  cfg.hosts = hosts_section{};
  validate(cfg);
  return cfg;
}

toml::table to_toml(const run_config& cfg) {
  auto out = config_schema().to_toml(cfg);
  auto algo = out["algorithm"].as_table();
  for (auto& [k, v] : cfg.algorithm.options)
    algo->insert_or_assign(k, v);
  return out;
}

} // namespace murmur
