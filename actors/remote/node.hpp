#pragma once

#include "actors/run_env.hpp"
#include "core/run/experiment.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace murmur {

/// The agents one run placed on this node, and what they point into: the
/// experiment built here from the launcher's config (same seed, so the same
/// data shards, initial model and streams as in a single-process run) and the
/// directory of every mailer of the run, local and remote.
struct hosted_run {
  std::unique_ptr<experiment> exp;
  /// Whether the network is instant; otherwise the launcher's network actor
  /// (wired in) times every transfer and keeps the traffic figures.
  std::unique_ptr<network_ledger> ledger;
  run_env env;
  std::shared_ptr<std::vector<caf::actor>> directory;
  std::vector<caf::actor> agents; ///< trainers and mailers hosted here
  std::map<agent_id, caf::actor> local_mailers;
  caf::actor observer; ///< the launcher's; its loss ends the run
};

/// The actor `murmur node` publishes. A launcher asks it to host agents
/// (host_atom: it builds the experiment and spawns the same trainer and
/// mailer actors as a local run, replying with their handles), then wires
/// them (wire_atom: the full mailer directory), then starts the trainers
/// itself. Nodes only connect to the launcher, which relays node-to-node
/// messages (CAF 0.17's default routing): direct node-to-node connections
/// were tried and dropped, because CAF 0.17.6 with heartbeats on can close a
/// connection mid-handshake, and the stale connection's cleanup then erased
/// the node's live route to that peer. Agents
/// on one node reach each other directly, unserialized; only handles of other
/// nodes' mailers are proxies. When the launcher's observer goes down the node
/// stops that run's agents and keeps serving.
///
///   idle --host--> hosted(run) --wire--> wired --(observer down)--> idle
struct node_state {
  static inline const char* name = "node";
  std::map<std::uint64_t, std::shared_ptr<hosted_run>> runs;
  std::uint64_t next_run = 1;
};

caf::behavior node(caf::stateful_actor<node_state>* self);

} // namespace murmur
