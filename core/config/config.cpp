#include "core/config/config.hpp"

#include "core/algorithms/algorithm.hpp"

#include <fstream>
#include <sstream>

namespace murmur {

namespace {

const char* algorithm_prefix = "algorithm.";

void add_time_keys(schema<run_config>& s) {
  using C = run_config;
  using str = std::string;
  s.add<str>(
    "clock.kind", [](C& c) -> str& { return c.clock.kind; },
    "real (wall clock, modelled durations slept for real) | virtual "
    "(deterministic discrete-event time)",
    one_of({"real", "virtual"}));
  s.add<double>(
    "cost.step_seconds", [](C& c) -> double& { return c.cost.step_seconds; },
    "modelled seconds of one minibatch gradient at speed 1", in_range(0, 1e6));
  s.add<str>(
    "cost.speed", [](C& c) -> str& { return c.cost.speed; },
    "per-agent speed: constant | lognormal | trace",
    one_of({"constant", "lognormal", "trace"}));
  s.add<double>(
    "cost.speed_sigma", [](C& c) -> double& { return c.cost.speed_sigma; },
    "lognormal: sigma of log(speed), median speed 1", in_range(0, 10));
  s.add<str>(
    "cost.compute_trace", [](C& c) -> str& { return c.cost.compute_trace; },
    "trace: file of seconds per step, one per line; agent i uses "
    "line i mod lines");
  s.add<double>(
    "cost.latency", [](C& c) -> double& { return c.cost.latency; },
    "seconds per message on every link", in_range(0, 1e6));
  s.add<str>(
    "cost.latency_trace", [](C& c) -> str& { return c.cost.latency_trace; },
    "square CSV of site-to-site latency in ms; agent i sits at "
    "site i mod sites");
  s.add<double>(
    "cost.bandwidth", [](C& c) -> double& { return c.cost.bandwidth; },
    "sender bandwidth in bytes/s (0 = unlimited)", in_range(0, 1e15));
  s.add<str>(
    "cost.bandwidth_trace", [](C& c) -> str& { return c.cost.bandwidth_trace; },
    "file of bytes/s, one per line (agent i uses line i mod lines), or a "
    "device JSON with up_u/up_sigma in kbit/s (agent i draws from device i "
    "mod devices)");
  s.add<std::vector<int>>(
    "stragglers.agents",
    [](C& c) -> std::vector<int>& { return c.stragglers.agents; },
    "permanently slow agents, e.g. [0, 5]");
  s.add<double>(
    "stragglers.slowdown",
    [](C& c) -> double& { return c.stragglers.slowdown; },
    "compute factor of stragglers.agents", in_range(1e-6, 1e6));
  s.add<str>(
    "stragglers.delay", [](C& c) -> str& { return c.stragglers.delay; },
    "random extra delay per step on every agent: none | "
    "exponential | pareto",
    one_of({"none", "exponential", "pareto"}));
  s.add<double>(
    "stragglers.delay_mean",
    [](C& c) -> double& { return c.stragglers.delay_mean; },
    "mean of the random delay, seconds", in_range(0, 1e6));
  s.add<double>(
    "stragglers.pareto_shape",
    [](C& c) -> double& { return c.stragglers.pareto_shape; },
    "pareto: tail index (> 1)", in_range(0, 1e3));
  s.add<double>(
    "stragglers.outage_probability",
    [](C& c) -> double& { return c.stragglers.outage_probability; },
    "per step, chance that the agent goes dark", in_range(0, 1));
  s.add<double>(
    "stragglers.outage_seconds",
    [](C& c) -> double& { return c.stragglers.outage_seconds; },
    "length of an outage, seconds", in_range(0, 1e6));
  s.add<std::vector<std::string>>(
    "stragglers.events",
    [](C& c) -> std::vector<std::string>& { return c.stragglers.events; },
    "scripted commands, e.g. [\"at 30s slow 0-3 5x for 20s\"]");
  s.add<str>(
    "churn.kind", [](C& c) -> str& { return c.churn.kind; },
    "agents going offline and back: none | trace | exponential",
    one_of({"none", "trace", "exponential"}));
  s.add<str>(
    "churn.trace", [](C& c) -> str& { return c.churn.trace; },
    "trace: CSV of online intervals, agent,start,end in seconds per line; "
    "agent i replays trace agent i mod agents");
  s.add<double>(
    "churn.mean_online", [](C& c) -> double& { return c.churn.mean_online; },
    "exponential: mean online period, seconds", positive());
  s.add<double>(
    "churn.mean_offline", [](C& c) -> double& { return c.churn.mean_offline; },
    "exponential: mean offline period, seconds", positive());
  s.add<double>(
    "churn.diurnal", [](C& c) -> double& { return c.churn.diurnal; },
    "exponential: amplitude of a 24 h cycle on the online mean, per-agent "
    "phase (0 = none)",
    in_range(0, 0.99));
  s.add<int>(
    "control.port", [](C& c) -> int& { return c.control.port; },
    "real clock: accept live commands (murmur ctl) on "
    "127.0.0.1:port, 0 = off",
    at_least(0));
  s.add<bool>(
    "control.console", [](C& c) -> bool& { return c.control.console; },
    "real clock: read live commands from stdin");
}

schema<run_config> make_schema() {
  using C = run_config;
  using u64 = std::uint64_t;
  using str = std::string;
  schema<C> s;
  s.add<u64>(
    "seed", [](C& c) -> u64& { return c.seed; },
    "master seed; every random stream derives from it");
  // data
  s.add<str>(
    "data.name", [](C& c) -> str& { return c.data.name; },
    "data set: fashion-mnist | synthetic (softmax-teacher classes) | "
    "synthetic-regression (linear targets; model.kind = \"linear\")",
    one_of({"fashion-mnist", "synthetic", "synthetic-regression"}));
  s.add<str>(
    "data.path", [](C& c) -> str& { return c.data.path; },
    "folder with the Fashion-MNIST IDX .gz files");
  s.add<u64>(
    "data.synthetic.train_size",
    [](C& c) -> u64& { return c.data.synthetic.train_size; },
    "synthetic: training samples", at_least<u64>(1));
  s.add<u64>(
    "data.synthetic.test_size",
    [](C& c) -> u64& { return c.data.synthetic.test_size; },
    "synthetic: test samples", at_least<u64>(1));
  s.add<u64>(
    "data.synthetic.dim", [](C& c) -> u64& { return c.data.synthetic.dim; },
    "synthetic: input features", at_least<u64>(1));
  s.add<int>(
    "data.synthetic.classes",
    [](C& c) -> int& { return c.data.synthetic.num_classes; },
    "synthetic: classes of the linear teacher (regression: quantile bins "
    "of the target, the labels partitions skew by)",
    at_least(2));
  s.add<double>(
    "data.synthetic.noise",
    [](C& c) -> double& { return c.data.synthetic.noise; },
    "synthetic: std of the noise on the teacher's logits (regression: on "
    "the target)",
    in_range(0, 1e3));
  // partition
  s.add<str>(
    "partition.kind", [](C& c) -> str& { return c.partition.kind; },
    "how training data is split: iid | dirichlet | shards | "
    "unshuffled");
  s.add<double>(
    "partition.alpha", [](C& c) -> double& { return c.partition.alpha; },
    "dirichlet: concentration (smaller = more skewed)", positive());
  s.add<int>(
    "partition.classes_per_agent",
    [](C& c) -> int& { return c.partition.classes_per_agent; },
    "shards: label shards per agent", at_least(1));
  s.add<double>(
    "partition.shuffled_fraction",
    [](C& c) -> double& { return c.partition.shuffled_fraction; },
    "unshuffled: share of the label-sorted set shuffled before splitting",
    in_range(0, 1));
  s.add<int>(
    "partition.replication",
    [](C& c) -> int& { return c.partition.replication; },
    "agents holding each base partition (gradient coding's d, at most "
    "run.agents): agent i's shard is the union of d of the kind's partitions",
    at_least(1));
  s.add<str>(
    "partition.assignment", [](C& c) -> str& { return c.partition.assignment; },
    "replication > 1: which d partitions agent i holds: cyclic (i, i+1, ..., "
    "i+d-1 mod agents) | random (seeded balanced design, i's own plus d-1)",
    one_of({"cyclic", "random"}));
  // model
  s.add<str>(
    "model.kind", [](C& c) -> str& { return c.model.kind; },
    "softmax | mlp | linear (least squares, for "
    "data.name = \"synthetic-regression\")",
    one_of({"softmax", "mlp", "linear"}));
  s.add<std::vector<int>>(
    "model.hidden", [](C& c) -> std::vector<int>& { return c.model.hidden; },
    "mlp: hidden layer widths, e.g. [100]");
  s.add<double>(
    "model.weight_decay", [](C& c) -> double& { return c.model.weight_decay; },
    "L2 coefficient inside the loss", in_range(0, 1e3));
  // optimizer
  s.add<double>(
    "optimizer.lr", [](C& c) -> double& { return c.optimizer.lr; },
    "learning rate", positive());
  s.add<double>(
    "optimizer.momentum", [](C& c) -> double& { return c.optimizer.momentum; },
    "local momentum (never communicated)", in_range(0, 0.999));
  s.add<bool>(
    "optimizer.nesterov", [](C& c) -> bool& { return c.optimizer.nesterov; },
    "Nesterov instead of heavy-ball momentum");
  s.add<str>(
    "optimizer.schedule", [](C& c) -> str& { return c.optimizer.schedule; },
    "constant | step | cosine", one_of({"constant", "step", "cosine"}));
  s.add<std::vector<double>>(
    "optimizer.milestones",
    [](C& c) -> std::vector<double>& { return c.optimizer.milestones; },
    "step: fractions of the run where lr is multiplied by decay");
  s.add<double>(
    "optimizer.decay", [](C& c) -> double& { return c.optimizer.decay; },
    "step: factor per milestone", in_range(1e-9, 1));
  s.add<double>(
    "optimizer.warmup", [](C& c) -> double& { return c.optimizer.warmup; },
    "fraction of the run with linear warm-up from 0", in_range(0, 0.999));
  // topology
  s.add<str>(
    "topology.kind", [](C& c) -> str& { return c.topology.kind; },
    "communication graph; 'murmur topology --list' names them");
  s.add<int>(
    "topology.degree", [](C& c) -> int& { return c.topology.degree; },
    "random-regular: degree k", at_least(1));
  s.add<double>(
    "topology.probability",
    [](C& c) -> double& { return c.topology.probability; },
    "erdos-renyi: edge probability", in_range(1e-9, 1));
  s.add<double>(
    "topology.radius", [](C& c) -> double& { return c.topology.radius; },
    "random-geometric: range in the unit square", positive());
  s.add<int>(
    "topology.rows", [](C& c) -> int& { return c.topology.rows; },
    "torus: rows (0 = most square)", at_least(0));
  // algorithm
  s.add<str>(
    "algorithm.name", [](C& c) -> str& { return c.algorithm.name; },
    "algorithm; its own keys sit beside name in [algorithm]");
  // run
  s.add<u64>(
    "run.agents", [](C& c) -> u64& { return c.run.agents; }, "number of agents",
    at_least<u64>(1));
  s.add<u64>(
    "run.rounds", [](C& c) -> u64& { return c.run.rounds; },
    "communication rounds", at_least<u64>(1));
  s.add<double>(
    "run.time_budget", [](C& c) -> double& { return c.run.time_budget; },
    "stop at the first evaluation after this many seconds on the "
    "run's clock "
    "(0 = no limit)",
    in_range(0, 1e9));
  s.add<u64>(
    "run.eval_every", [](C& c) -> u64& { return c.run.eval_every; },
    "rounds between evaluations", at_least<u64>(1));
  s.add<double>(
    "run.eval_seconds", [](C& c) -> double& { return c.run.eval_seconds; },
    "asynchronous algorithms (draco): seconds on the run's clock between "
    "evaluations; metrics.csv's round is then the evaluation index (such "
    "runs end at run.time_budget and ignore run.rounds)",
    positive());
  s.add<int>(
    "run.threads", [](C& c) -> int& { return c.run.threads; },
    "worker threads shared by actors and oneTBB (0 = all cores)", at_least(0));
  s.add<u64>(
    "run.batch_size", [](C& c) -> u64& { return c.run.batch_size; },
    "minibatch size per local step", at_least<u64>(1));
  s.add<str>(
    "run.output", [](C& c) -> str& { return c.run.output; },
    "folder under which each run gets its own folder");
  s.add<str>(
    "run.name", [](C& c) -> str& { return c.run.name; },
    "run folder name (default: the config file's name)");
  s.add<double>(
    "run.target_accuracy",
    [](C& c) -> double& { return c.run.target_accuracy; },
    "time-to-accuracy threshold for the average model (0 = off)",
    in_range(0, 1));
  s.add<str>(
    "run.engine", [](C& c) -> str& { return c.run.engine; },
    "actors (trainer + mailer actors per agent) | lockstep (the "
    "actor-free reference loop; same numbers)",
    one_of({"actors", "lockstep"}));
  // evaluation
  s.add<u64>(
    "eval.max_agents", [](C& c) -> u64& { return c.eval.max_agents; },
    "per-agent accuracy on at most this many agents, evenly "
    "spaced (0 = all)");
  s.add<u64>(
    "eval.test_samples", [](C& c) -> u64& { return c.eval.test_samples; },
    "evaluate on the first N test samples (0 = all)");
  add_time_keys(s);
  add_hosts_keys(s);
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

toml::table parse_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw input_error(path + ": cannot read the config file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return toml::parse(text.str(), path);
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
    parsed.insert("v", value); // a bare word is a string
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
  cfg.algorithm.options = entry.make.resolve(cfg.algorithm.options);
  registry<partitioner>::get(cfg.partition.kind, "partition.kind");
  registry<topology_factory>::get(cfg.topology.kind, "topology.kind");
  if (cfg.model.kind == "mlp" && cfg.model.hidden.empty())
    throw input_error("model.hidden: an mlp needs at least one hidden layer, "
                      "e.g. model.hidden = [100]");
  for (int width : cfg.model.hidden)
    if (width < 1)
      throw input_error("model.hidden: widths must be >= 1");
  if ((cfg.data.name == "synthetic-regression") != (cfg.model.kind == "linear"))
    throw input_error("model.kind: \"" + cfg.model.kind +
                      "\" does not suit data.name = \"" + cfg.data.name +
                      "\"; use model.kind = \"linear\" exactly with "
                      "data.name = \"synthetic-regression\"");
  validate(cfg.cost);
  validate(cfg.stragglers, cfg.run.agents);
  validate(cfg.churn);
  if (cfg.churn.kind != "none" && !entry.make.protocol &&
      !entry.make.asynchronous)
    throw input_error("churn.kind: churn is modelled for event-driven and "
                      "asynchronous algorithms (plexus, gossip-learning, "
                      "draco), not for synchronous rounds; set churn.kind = "
                      "\"none\" for '" +
                      cfg.algorithm.name + "'");
  if (entry.make.asynchronous || entry.make.protocol) {
    if (!(cfg.run.time_budget > 0))
      throw input_error("run.time_budget: asynchronous algorithm '" +
                        cfg.algorithm.name +
                        "' runs by time; set it > 0, e.g. run.time_budget = "
                        "60");
    if (cfg.run.engine == "lockstep")
      throw input_error("run.engine: asynchronous algorithm '" +
                        cfg.algorithm.name +
                        "' has no lock-step loop; use run.engine = "
                        "\"actors\"");
  }
  if (cfg.run.engine == "lockstep" && cfg.clock.kind == "virtual")
    throw input_error("run.engine: the lockstep reference loop has no clock; "
                      "use run.engine = \"actors\" for clock.kind = "
                      "\"virtual\"");
  if (cfg.clock.kind == "virtual" &&
      (cfg.control.port != 0 || cfg.control.console))
    throw input_error("control.port: live commands need clock.kind = "
                      "\"real\"; script them with stragglers.events instead");
  double previous = 0;
  for (double m : cfg.optimizer.milestones) {
    if (!(m > previous && m < 1))
      throw input_error("optimizer.milestones: must be increasing fractions "
                        "in (0, 1), e.g. [0.5, 0.75]");
    previous = m;
  }
  validate_hosts(cfg);
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
