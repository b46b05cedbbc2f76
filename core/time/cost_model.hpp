#pragma once

#include "core/base/schema.hpp"
#include "core/base/types.hpp"
#include "core/time/link_model.hpp"
#include "core/time/network_config.hpp"

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
  double speed_sigma = 1.0;  ///< lognormal: sigma of log(speed)
  std::string compute_trace; ///< trace: seconds per step, per device
};

/// Modelled durations: how long a local step takes on each agent (per-agent
/// values from distributions or traces, assigned deterministically: trace row
/// = agent mod rows), and the run's network (link_model).
class cost_model {
public:
  cost_model(const cost_config& cfg, const network_config& net,
             std::size_t agents, std::uint64_t seed);

  /// Seconds of one minibatch gradient on agent i (before straggling).
  double step_seconds(agent_id i) const { return step_[i]; }

  const link_model& links() const { return links_; }

private:
  std::vector<double> step_;
  link_model links_;
};

/// The cost.* keys.
const schema<cost_config>& cost_schema();

/// The rules between cost.* keys (file paths are checked when loaded).
void validate(const cost_config& cfg);

} // namespace murmur
