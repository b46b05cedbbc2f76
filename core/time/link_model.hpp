#pragma once

#include "core/base/types.hpp"
#include "core/time/flow_network.hpp"
#include "core/time/network_config.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace murmur {

/// Every agent's uplink and downlink capacity in bytes/s (+inf = unlimited).
struct link_capacities {
  std::vector<double> up;
  std::vector<double> down;
};

/// Resolves network.capacity for `agents` agents: constants, lists,
/// lognormal draws (agent i from its own stream of `seed`) or a trace.
/// Throws input_error naming the key or file at fault.
link_capacities make_capacities(const network_config& cfg, std::size_t agents,
                                std::uint64_t seed);

/// The network of one run: per-link latency, per-agent capacities and the
/// sharing model, with per-agent values assigned deterministically.
class link_model {
public:
  link_model(const network_config& cfg, std::size_t agents, std::uint64_t seed);

  /// One-way seconds from agent `from` to agent `to` before bytes move.
  double latency(agent_id from, agent_id to) const;

  double uplink(agent_id i) const { return capacities_.up[i]; }
  double downlink(agent_id i) const { return capacities_.down[i]; }
  sharing_kind sharing() const { return sharing_; }

  /// A flow simulator over these capacities with this sharing model.
  flow_network make_flows() const {
    return flow_network{capacities_.up, capacities_.down, sharing_};
  }

  /// Whether every transfer takes no time: no latency, every uplink and
  /// downlink unlimited.
  bool instant() const { return instant_; }

private:
  link_capacities capacities_;
  Eigen::MatrixXd site_latency_; ///< seconds; empty = constant latency
  double latency_ = 0;
  sharing_kind sharing_;
  bool instant_ = true;
};

} // namespace murmur
