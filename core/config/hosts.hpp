#pragma once

#include "core/base/schema.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

struct run_config;

/// Where the agents of a run live when it spans processes (`murmur node`),
/// how the processes authenticate each other and what happens when one is
/// lost. An empty `list` is a single-process run.
struct hosts_section {
  std::vector<std::string> list;    ///< "host:port" of each `murmur node`
  std::string placement = "blocks"; ///< blocks | round-robin | explicit
  std::vector<int> assignment;      ///< explicit: host index of each agent
  std::string on_loss = "stop";     ///< continue | stop
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

/// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

/// Host index of every agent under the configured placement.
std::vector<std::size_t> place_agents(const hosts_section& h,
                                      std::size_t agents);

/// Checks that this process may open or reach `hosts`: TLS files present, or
/// `insecure` with loopback addresses only. `prefix` names the fields
/// ("hosts." for a config, "--" for the node's flags).
void validate_security(const hosts_section& h,
                       const std::vector<std::string>& hosts,
                       const std::string& prefix);

/// Declares the hosts.* keys.
void add_hosts_keys(schema<run_config>& s);

/// Cross-field checks of hosts.* against the rest of the config.
void validate_hosts(const run_config& cfg);

} // namespace murmur
