#pragma once

#include "actors/run_env.hpp"

#include <caf/all.hpp>

#include <memory>
#include <vector>

namespace murmur {

/// Every agent's address for messages from other agents (its mailer; a
/// protocol agent is its own mailer), indexed by agent id. Filled before
/// any agent starts.
using directory = std::shared_ptr<std::vector<caf::actor>>;

/// An agent's actors: the one the controller and the observer talk to (the
/// trainer) and the one other agents send to (the mailer).
struct agent_actors {
  caf::actor trainer;
  caf::actor mailer;
};

/// The one spawn point of an agent, whatever the run's kind: a synchronous
/// or an asynchronous trainer + mailer pair, or one protocol agent. Local
/// runs and nodes across hosts both build their agents here.
agent_actors spawn_agent(caf::actor_system& sys, const run_env* env,
                         agent_id id, const directory& all,
                         const caf::actor& observer);

/// The observer of the run's kind: it evaluates the agents' models (rounds
/// and asynchronous runs) or the protocol's model lineage.
caf::actor spawn_observer(caf::actor_system& sys, const run_env* env);

} // namespace murmur
