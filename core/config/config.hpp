#pragma once

#include "core/time/availability.hpp"
#include "core/time/cost_model.hpp"
#include "core/data/dataset.hpp"
#include "core/config/hosts.hpp"
#include "core/model/model.hpp"
#include "core/model/optimizer.hpp"
#include "core/time/pace.hpp"
#include "core/data/partition.hpp"
#include "core/base/schema.hpp"
#include "topologies/topology.hpp"

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

struct data_config {
  std::string name = "fashion-mnist"; ///< fashion-mnist | synthetic
  std::string path = default_fashion_mnist_dir;
  synthetic_spec synthetic;
};

struct algorithm_config {
  std::string name = "dpsgd";
  /// The algorithm's own keys ([algorithm] minus name), resolved against its
  /// declared options (defaults filled in) by validate().
  toml::table options;
};

struct run_section {
  std::uint64_t agents = 16;
  std::uint64_t rounds = 100;
  double time_budget = 0; ///< wall seconds, 0 = no limit
  std::uint64_t eval_every = 10;
  double eval_seconds = 1; ///< asynchronous algorithms: clock seconds
  int threads = 0;         ///< 0 = all hardware threads
  std::uint64_t batch_size = 32;
  std::string output = "runs";
  std::string name = "";         ///< run folder name, default from the config
  double target_accuracy = 0;    ///< time-to-accuracy threshold, 0 = off
  std::string engine = "actors"; ///< actors | lockstep (actor-free reference)
};

struct eval_section {
  std::uint64_t max_agents = 64;  ///< per-agent accuracy on at most this many
                                  ///< agents (evenly spaced), 0 = all
  std::uint64_t test_samples = 0; ///< evaluate on the first N test rows, 0=all
};

struct clock_section {
  std::string kind = "real"; ///< real | virtual
};

struct control_section {
  int port = 0;         ///< live commands on 127.0.0.1:port (0 = off)
  bool console = false; ///< read live commands from stdin
};

/// The whole, typed configuration of one run.
struct run_config {
  std::uint64_t seed = 1;
  data_config data;
  partition_spec partition;
  model_spec model;
  optimizer_spec optimizer;
  topology_spec topology;
  algorithm_config algorithm;
  run_section run;
  eval_section eval;
  clock_section clock;
  cost_config cost;
  straggler_config stragglers;
  churn_config churn;
  control_section control;
  hosts_section hosts;
};

/// The declaration of every key (default, help, range) in one place.
const schema<run_config>& config_schema();

/// Parses a TOML file (or nothing, for defaults) and `key=value` overrides
/// into a validated config. Throws input_error naming the field.
run_config load_config(const std::string& path,
                       const std::vector<std::string>& overrides);

/// A config as sent between processes (the resolved TOML text of
/// to_toml), validated again on arrival; `origin` names it in errors. The
/// hosts section is the sender's business and is cleared.
run_config config_from_text(const std::string& text, const std::string& origin);

/// Applies one `dotted.key=value` override (value in TOML syntax; a bare word
/// is taken as a string).
void apply_override(run_config& cfg, const std::string& assignment);

/// Cross-field checks and resolution of the algorithm's own options.
void validate(run_config& cfg);

/// The fully resolved config, as written beside a run's results.
toml::table to_toml(const run_config& cfg);

} // namespace murmur
