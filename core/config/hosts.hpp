#pragma once

#include "core/base/schema.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

/// How agents are spread over the hosts.
enum class placement_kind { blocks, round_robin, explicit_list, graph };

inline const enum_names<placement_kind>& names_of(placement_kind) {
  static const enum_names<placement_kind> n{
    {"blocks", placement_kind::blocks},
    {"round-robin", placement_kind::round_robin},
    {"explicit", placement_kind::explicit_list},
    {"graph", placement_kind::graph}};
  return n;
}

/// What a run does when a host is lost mid-run.
enum class loss_policy { stop, carry_on };

inline const enum_names<loss_policy>& names_of(loss_policy) {
  static const enum_names<loss_policy> n{{"stop", loss_policy::stop},
                                         {"continue", loss_policy::carry_on}};
  return n;
}

/// Which way model messages between nodes travel.
///  - direct: each pair of nodes holding graph neighbours connects itself
///    (the launcher carries control and evaluation only);
///  - launcher: every node talks to the launcher alone, which relays all
///    node-to-node messages (a hub: kept to measure what direct links save).
///    Only on nodes that have not linked directly before: CAF keeps a direct
///    connection once made and prefers it.
enum class routing_kind { direct, launcher };

inline const enum_names<routing_kind>& names_of(routing_kind) {
  static const enum_names<routing_kind> n{{"direct", routing_kind::direct},
                                          {"launcher", routing_kind::launcher}};
  return n;
}

/// Where the agents of a run live when it spans processes (`murmur node`),
/// how the processes authenticate each other and what happens when one is
/// lost. An empty `list` is a single-process run.
struct hosts_section {
  std::vector<std::string> list; ///< "host:port" of each `murmur node`
  placement_kind placement = placement_kind::blocks;
  routing_kind routing = routing_kind::direct;
  std::vector<int> assignment; ///< explicit: host index of each agent
  loss_policy on_loss = loss_policy::stop;
  double heartbeat = 0.5; ///< seconds between heartbeats on every connection
  double timeout = 3;     ///< seconds of silence after which a peer is down
  double wait = 60; ///< seconds to wait for a node to connect, spawn, wire
  std::string certificate; ///< PEM certificate of this process (TLS)
  std::string key;         ///< its PEM private key
  std::string cafile;    ///< the run's CA: peers must present a cert it signed
  bool insecure = false; ///< plain TCP, allowed on loopback only
};

/// A parsed "host:port".
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

/// Parses "host:port" (port 0 allowed when `any_port`); throws input_error
/// naming `field`.
endpoint parse_endpoint(const std::string& text, const std::string& field,
                        bool any_port = false);

/// Whether `host` is a literal loopback address (127.0.0.0/8, ::1) or
/// localhost.
bool is_loopback(const std::string& host);

/// Checks that this process may open or reach `hosts`: TLS files present, or
/// `insecure` with loopback addresses only. `prefix` names the fields
/// ("hosts." for a config, "--" for the node's flags).
void validate_security(const hosts_section& h,
                       const std::vector<std::string>& hosts,
                       const std::string& prefix);

/// The hosts.* keys.
const schema<hosts_section>& hosts_schema();

/// The rules between hosts.* keys for a run of `agents` agents (endpoints,
/// explicit placement, timeout above heartbeat, security).
void validate(const hosts_section& h, std::size_t agents);

} // namespace murmur
