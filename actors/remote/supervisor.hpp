#pragma once

#include "actors/run_env.hpp"

#include <caf/all.hpp>

#include <functional>
#include <string>
#include <vector>

namespace murmur {

/// What the launcher knows about where the agents run.
struct placement_map {
  std::vector<std::string> names;            ///< host:port of each node
  std::vector<caf::actor> nodes;             ///< their published actors
  std::vector<std::vector<agent_id>> hosted; ///< agents on each node
  std::vector<caf::actor> trainers;          ///< by agent id
  std::vector<caf::actor> mailers;           ///< by agent id
};

/// Watches the nodes of a run (CAF 0.17 has no node-down message: a
/// monitored proxy goes down with remote_link_unreachable when the
/// connection breaks, or when the link_watchdog closes it after hosts.timeout
/// without a byte) and its remote trainers (a failed agent fails the run).
/// A lost node is logged as an event naming its
/// agents; then `stop` has the observer end the run with what it evaluated
/// (metrics rows, agents.csv), and `continue`
/// tells the observer and every surviving mailer that those agents are gone,
/// so rounds complete over the survivors and mixing renormalises over the
/// neighbours still heard from.
struct supervisor_state {
  static inline const char* name = "supervisor";
  const run_env* env = nullptr;
  placement_map where;
  caf::actor observer;
  loss_policy on_loss = loss_policy::stop;
  std::vector<bool> lost;
  std::function<void(std::string)> fail; ///< ends the run with an error
};

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self,
                         const run_env* env, placement_map where,
                         caf::actor observer, loss_policy on_loss,
                         std::function<void(std::string)> fail);

} // namespace murmur
