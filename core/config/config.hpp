#pragma once

#include "core/base/schema.hpp"
#include "core/config/dashboard.hpp"
#include "core/config/hosts.hpp"
#include "core/data/data_config.hpp"
#include "core/data/partition.hpp"
#include "core/model/model.hpp"
#include "core/model/optimizer.hpp"
#include "core/time/availability.hpp"
#include "core/time/cost_model.hpp"
#include "core/time/network_config.hpp"
#include "core/time/pace.hpp"
#include "topologies/topology.hpp"

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

/// What drives the agents: the actor runtime, or the actor-free lock-step
/// reference loop over the same algorithm code.
enum class engine_kind { actors, lockstep };

inline const enum_names<engine_kind>& names_of(engine_kind) {
  static const enum_names<engine_kind> n{{"actors", engine_kind::actors},
                                         {"lockstep", engine_kind::lockstep}};
  return n;
}

/// The wall clock, or deterministic discrete-event time.
enum class clock_kind { real, simulated };

inline const enum_names<clock_kind>& names_of(clock_kind) {
  static const enum_names<clock_kind> n{{"real", clock_kind::real},
                                        {"virtual", clock_kind::simulated}};
  return n;
}

struct algorithm_config {
  std::string name = "dpsgd";
  /// The algorithm's own keys ([algorithm] minus name), resolved against its
  /// declared options (defaults filled in) by validate().
  toml::table options;
};

struct run_section {
  std::uint64_t agents = 16;
  std::uint64_t rounds = 100;
  double time_budget = 0; ///< seconds on the run's clock, 0 = no limit
  std::uint64_t eval_every = 10;
  double eval_seconds = 1; ///< asynchronous algorithms: clock seconds
  int threads = 0;         ///< 0 = all hardware threads
  std::uint64_t batch_size = 32;
  std::string output = "runs";
  std::string name = "";       ///< run folder name, default from the config
  double target_accuracy = 0;  ///< time-to-accuracy threshold, 0 = off
  bool stop_at_target = false; ///< end the run once the target is reached
  engine_kind engine = engine_kind::actors;
};

struct eval_section {
  std::uint64_t max_agents = 64;  ///< per-agent accuracy on at most this many
                                  ///< agents (evenly spaced), 0 = all
  std::uint64_t test_samples = 0; ///< evaluate on the first N test rows, 0=all
};

struct clock_section {
  clock_kind kind = clock_kind::real;
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
  network_config network;
  straggler_config stragglers;
  churn_config churn;
  control_section control;
  hosts_section hosts;
  dashboard_section dashboard;
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
