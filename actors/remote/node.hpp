#pragma once

#include "actors/remote/link_watchdog.hpp"
#include "actors/run_env.hpp"
#include "core/run/experiment.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
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
  /// The actors hosted here: trainers, mailers and the model holder.
  std::vector<caf::actor> agents;
  std::map<agent_id, caf::actor> local_mailers;
  caf::actor observer; ///< the launcher's; its loss ends the run
};

/// The actor `murmur node` publishes. A launcher asks it to host agents
/// (host_atom: it builds the experiment and spawns the same trainer and
/// mailer actors as a local run, replying with their handles), then wires
/// them (wire_atom: the full mailer directory), then has it connect directly
/// to the nodes that hold neighbours of its agents (link_atom,
/// peer_links.hpp; it answers other nodes' hello_atom), before the launcher's
/// supervisor starts the trainers. At the end the launcher asks for the bytes
/// over those direct links (links_atom). The mailer handles of other nodes
/// arrive as proxies routed through the launcher; once the direct connection is
/// up, CAF sends over it instead. Direct links used to lose their route: CAF
/// 0.17.6's connection timeout could close a connection mid-handshake, and
/// the stale connection's cleanup erased the live route to that peer. That
/// timeout is off (link_watchdog.hpp) and only one side of each pair
/// connects. Agents on one node reach each other directly, unserialized.
/// A direct link that drops while its peer stays up stops the runs with
/// agents on that peer (the messages it carried are lost and not resent),
/// so no agent waits forever for them.
/// When the launcher's observer goes down the node stops that run's agents
/// and keeps serving.
///
///   idle --host--> hosted(run) --wire--> wired --link--> linked
///   (any state) --(observer down)--> idle
struct node_state {
  static inline const char* name = "node";
  std::map<std::uint64_t, std::shared_ptr<hosted_run>> runs;
  std::uint64_t next_run = 1;
  link_watchdog* watchdog = nullptr; ///< the process's; outlives the actor
  std::string data_path; ///< replaces the launcher's data.path when set
  /// The nodes the latest run had this one connect to directly, with the
  /// bytes over each link before that run: links_atom answers the difference,
  /// so a node serving run after run reports each run's own traffic.
  std::vector<std::pair<std::string, link_bytes>> linked;
  /// The node actors of the peers linked to directly, monitored: a dropped
  /// link is reported to the runs it served (link_dropped in node.cpp).
  std::map<caf::actor_addr, std::string> peer_nodes;
};

/// `watchdog` also watches the links this node opens to its peers, and
/// counts their bytes for links_atom. A non-empty `data_path` is where this
/// host keeps the dataset (each host of a cluster may keep its copy
/// elsewhere; the files must be the same).
caf::behavior node(caf::stateful_actor<node_state>* self,
                   link_watchdog* watchdog, std::string data_path);

} // namespace murmur
