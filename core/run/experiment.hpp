#pragma once

#include "core/algorithms/agent_context.hpp"
#include "core/algorithms/kinds.hpp"
#include "core/config/config.hpp"
#include "core/data/dataset.hpp"
#include "core/data/shards.hpp"
#include "core/model/model.hpp"
#include "core/model/optimizer.hpp"
#include "core/time/availability.hpp"
#include "core/time/cost_model.hpp"
#include "core/time/pace.hpp"
#include "topologies/topology.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace murmur {

/// Everything a run needs, built from a validated config before any output is
/// written: a bad data path, partition or graph fails here, not half-way.
/// One experiment serves one run: agents permute their shards of `train` in
/// place every epoch.
struct experiment {
  run_config cfg;
  sharded_data train;
  dataset test;
  std::unique_ptr<model> net;
  topology configured;              ///< the topology the config names
  std::unique_ptr<cost_model> cost; ///< modelled compute and link times
  /// The algorithm's plan for this run (its kind, graph, how to build each
  /// agent), from its options parsed once.
  algorithm_plan plan;
  topology comm;               ///< the graph the algorithm talks over
  std::vector<mixing> weights; ///< per phase of `comm`
  /// The common initial model x^0: every agent starts by sharing it.
  blob initial;
  std::unique_ptr<lr_schedule> lr;
  /// When each agent is online (everyone, always, without churn).
  std::unique_ptr<availability> online;
  /// Protocols only: what every node shares (bandwidths, who is online at
  /// time 0, the seed).
  protocol::population population;

  std::size_t agents() const { return cfg.run.agents; }
  std::size_t num_params() const {
    return static_cast<std::size_t>(initial->size());
  }

  /// The plan of the run's kind, or null for another kind.
  const synchronous_plan* synchronous() const {
    return std::get_if<synchronous_plan>(&plan);
  }
  const asynchronous_plan* asynchronous() const {
    return std::get_if<asynchronous_plan>(&plan);
  }
  const protocol_plan* protocol() const {
    return std::get_if<protocol_plan>(&plan);
  }
  /// Asynchronous runs and protocols end by time, not by rounds.
  bool runs_by_time() const { return synchronous() == nullptr; }

  /// Agent i's view of the communication graph in round k.
  neighbourhood hood(agent_id i, round_t k) const;

  /// Whether the message from `from` to `to` in synchronous round k is lost
  /// (network.message_loss; see core/time/message_loss.hpp).
  bool message_lost(agent_id from, agent_id to, round_t k) const;

  /// Whether the trainers report to the observer after `completed` rounds.
  bool is_eval_round(round_t completed) const;
};

/// Metropolis-Hastings weights on undirected graphs, uniform 1/(indeg+1)
/// on directed ones (one-peer exponential: doubly stochastic).
mixing default_weights(const graph& g);

/// Everything after the data and the model: the topology, the cost model,
/// the algorithm's plan and graph, the initial model, the lr schedule and
/// who is online. `exp.cfg`, `exp.train`, `exp.test` and `exp.net` must be
/// set (tests that assemble an experiment by hand call this too).
void plan_experiment(experiment& exp);

/// Loads data, partitions it, builds the model, then plan_experiment; throws
/// input_error naming the field or file at fault.
std::unique_ptr<experiment> build_experiment(const run_config& cfg);

/// Agent i's learning state (its data stream, optimizer and RNG seeded from
/// (seed, i) so they do not depend on threads or order).
agent_context make_context(experiment& exp, agent_id i);

/// The per-agent pair the runtime drives for a round-based algorithm
/// (synchronous or asynchronous): shared state plus the algorithm.
struct agent_slot {
  agent_context ctx;
  std::unique_ptr<algorithm> algo;
};

/// Agent i's state and algorithm instance; the run must not be a protocol.
agent_slot make_agent(experiment& exp, agent_id i);

/// Draws the duration of one synchronous round's compute of `modelled`
/// seconds through the agent's pace. When it outlasts the algorithm's
/// deadline, the algorithm is told that round k's step missed it and the
/// deadline is returned. The actors and the lock-step loop both call this
/// once per round, so they agree on who straggles.
double plan_round_compute(algorithm& algo, agent_pace& pace, double modelled,
                          round_t k);

/// Local steps the learning-rate schedule spans: run.rounds for synchronous
/// algorithms and protocols; for asynchronous ones the steps an agent of
/// speed 1 takes in run.time_budget (compute_rate x time_budget x
/// local_steps), since each agent's schedule follows its own step count.
std::uint64_t schedule_horizon(const experiment& exp);

} // namespace murmur
