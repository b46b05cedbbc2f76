#pragma once

#include "core/base/schema.hpp"
#include "core/base/types.hpp"

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

/// How agents' compute speeds are drawn.
enum class speed_kind { constant, lognormal, trace };

inline const enum_names<speed_kind>& names_of(speed_kind) {
  static const enum_names<speed_kind> n{{"constant", speed_kind::constant},
                                        {"lognormal", speed_kind::lognormal},
                                        {"trace", speed_kind::trace}};
  return n;
}

struct cost_config {
  double step_seconds = 0; ///< one minibatch gradient at speed 1
  speed_kind speed = speed_kind::constant;
  double speed_sigma = 1.0;    ///< lognormal: sigma of log(speed)
  std::string compute_trace;   ///< trace: seconds per step, per device
  double latency = 0;          ///< seconds per message
  std::string latency_trace;   ///< site x site matrix in milliseconds
  double bandwidth = 0;        ///< bytes per second, 0 = unlimited
  std::string bandwidth_trace; ///< bytes per second, per device
};

/// Modelled durations: how long a local step takes on each agent and how long
/// a message takes over each link. Per-agent values come from distributions
/// or traces, assigned deterministically (trace row / site = agent mod rows).
class cost_model {
public:
  cost_model(const cost_config& cfg, std::size_t agents, std::uint64_t seed);

  /// Seconds of one minibatch gradient on agent i (before straggling).
  double step_seconds(agent_id i) const { return step_[i]; }

  /// Seconds from send to arrival of `bytes` from agent i to agent j.
  double message_seconds(agent_id from, agent_id to, std::uint64_t bytes) const;

  bool zero_latency() const { return zero_links_; }

  /// Upload bandwidth of agent i in bytes/s (0 = unlimited).
  double bandwidth(agent_id i) const { return bandwidth_[i]; }

private:
  std::vector<double> step_;
  std::vector<double> bandwidth_; ///< per sender, bytes/s, 0 = unlimited
  Eigen::MatrixXd site_latency_;  ///< seconds; empty = constant latency
  double latency_ = 0;
  bool zero_links_ = true;
};

/// The cost.* keys.
const schema<cost_config>& cost_schema();

/// The rules between cost.* keys (file paths are checked when loaded).
void validate(const cost_config& cfg);

} // namespace murmur
