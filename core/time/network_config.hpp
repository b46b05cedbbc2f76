#pragma once

#include "core/base/schema.hpp"
#include "core/time/flow_network.hpp"

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace murmur {

/// Where the agents' uplink and downlink capacities come from.
enum class capacity_kind { constant, list, lognormal, trace };

inline const enum_names<capacity_kind>& names_of(capacity_kind) {
  static const enum_names<capacity_kind> n{
    {"constant", capacity_kind::constant},
    {"list", capacity_kind::list},
    {"lognormal", capacity_kind::lognormal},
    {"trace", capacity_kind::trace}};
  return n;
}

/// The network.* section: per-link latency, per-agent link capacities in
/// bytes/s (+inf = unlimited) and how concurrent transfers share them.
struct network_config {
  double latency = 0;        ///< seconds per message on every link
  std::string latency_trace; ///< site x site matrix in milliseconds
  capacity_kind capacity = capacity_kind::constant;
  /// constant: every agent's; lognormal: the median; list and trace: for
  /// the direction they do not give.
  double uplink = std::numeric_limits<double>::infinity();
  double downlink = std::numeric_limits<double>::infinity();
  std::vector<double> uplinks;   ///< list: one per agent
  std::vector<double> downlinks; ///< list: one per agent
  double capacity_sigma = 1.0;   ///< lognormal: sigma of log(capacity)
  std::string capacity_trace;    ///< trace: per-agent rows or a device JSON
  sharing_kind sharing = sharing_kind::max_min;
  /// Synchronous rounds: each message lost independently with this
  /// probability (core/time/message_loss.hpp); it still used the links.
  double message_loss = 0;
};

/// The network.* keys.
const schema<network_config>& network_schema();

/// The rules between network.* keys and the run's agent count (trace files
/// are checked when loaded).
void validate(const network_config& cfg, std::size_t agents);

} // namespace murmur
