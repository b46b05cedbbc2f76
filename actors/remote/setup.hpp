#pragma once

#include "actors/remote/supervisor.hpp"
#include "core/config/config.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <string>

namespace murmur {

/// Has every node of `where` spawn its agents (all nodes build their
/// experiment at the same time), sends each the full mailer directory
/// (filling where.trainers and where.mailers), then has each node k connect
/// directly to the nodes `linked[k]` (peer_links.hpp), so messages between
/// nodes no longer pass through the launcher; a pair that cannot connect
/// keeps that route (logged by the node). Returns when every node has
/// acknowledged each step. Throws std::runtime_error naming the node when
/// one refuses, does not answer within hosts.wait, or goes away meanwhile: a
/// node killed during set-up is noticed as soon as its connection closes, a
/// frozen one once the connection times out (hosts.timeout), since CAF
/// 0.17.6 never fails a pending request when its receiver's connection
/// drops. Each node learns the run's network actor (null when the network
/// is instant), through which its mailers send their transfers.
/// Logs "murmur: set-up: WHAT in S s", S the seconds since `began`: each
/// step of the time before round 0 (connecting, spawning, wiring, linking).
void log_set_up_step(const std::string& what,
                     std::chrono::steady_clock::time_point began);

void spawn_and_wire(caf::actor_system& sys, placement_map& where,
                    const run_config& cfg, const caf::actor& observer,
                    const std::vector<std::vector<std::size_t>>& linked,
                    const caf::actor& network);

} // namespace murmur
