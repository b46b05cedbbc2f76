#pragma once

#include "core/config/hosts.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <string>

namespace murmur {

/// Loads CAF's network layer into `cfg`: the middleman, and unless
/// `h.insecure` the OpenSSL module with this process's certificate, key and
/// CA (CAF 0.17.6 then requires a CA-signed certificate from every peer, both
/// directions, before any BASP byte is read), plus heartbeats. A frozen
/// peer becomes a down message through a link_watchdog, not CAF's own
/// connection timeout.
void configure_network(caf::actor_system_config& cfg, const hosts_section& h);

/// Publishes `whom` on `at` (port 0: any free port), over TLS unless
/// `insecure`. Returns the bound port; throws input_error naming `field`.
std::uint16_t publish_on(caf::actor_system& sys, const caf::actor& whom,
                         const endpoint& at, bool insecure,
                         const std::string& field);

/// How often a connection that CAF 0.17.6 dropped during its handshake is
/// tried again. Measured: with heartbeats on, the BASP broker's timeout check
/// can close a connection whose handshake (several TLS round trips) is still
/// running, failing it with connection_timeout (about 1 connect in 15 under
/// load). Retried before anything else uses the connection.
constexpr int connect_attempts = 5;

/// Seconds as a short text ("60", "0.5").
std::string seconds_text(double seconds);

/// Whether `err` is that handshake-time drop.
bool retry_connect(const caf::error& err);

/// Connects to the actor published at `to` within `wait` seconds. Throws
/// std::runtime_error naming the address and what went wrong.
caf::actor connect_to(caf::actor_system& sys, const endpoint& to, bool insecure,
                      double wait);

} // namespace murmur
