#include "core/run/experiment.hpp"

#include "core/base/memory.hpp"
#include "core/model/footprint.hpp"
#include "core/time/message_loss.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>
#include <type_traits>

namespace murmur {

namespace {

dataset first_rows(dataset d, std::size_t n) {
  if (n == 0 || n >= d.size())
    return d;
  d.features.conservativeResize(static_cast<Eigen::Index>(n),
                                d.features.cols());
  d.labels.resize(n);
  return d;
}

/// A shard smaller than a minibatch is walked whole every step: legal
/// (label-skewed partitions make small shards), but worth saying.
void warn_small_shards(const experiment& exp) {
  auto batch = exp.cfg.run.batch_size;
  std::size_t small = 0;
  std::size_t smallest = batch;
  for (std::size_t i = 0; i < exp.train.agents(); ++i) {
    auto rows = exp.train.shard_size(i);
    small += rows < batch;
    smallest = std::min(smallest, rows);
  }
  if (small > 0)
    std::clog << "murmur: warning: run.batch_size = " << batch << " exceeds "
              << small << " agent(s)' shards (the smallest holds " << smallest
              << " samples); they step on their whole shard\n";
}

} // namespace

mixing default_weights(const graph& g) {
  return g.is_undirected() ? metropolis_hastings(g) : uniform_weights(g);
}

neighbourhood experiment::hood(agent_id i, round_t k) const {
  auto phase = k % comm.phases.size();
  auto& g = comm.phases[phase];
  return {&g.in[i], &g.out[i], &weights[phase][i]};
}

bool experiment::message_lost(agent_id from, agent_id to, round_t k) const {
  return murmur::message_lost(cfg.network.message_loss, cfg.seed, from, to, k);
}

bool experiment::is_eval_round(round_t completed) const {
  return completed % cfg.run.eval_every == 0 || completed == cfg.run.rounds;
}

namespace {

/// The algorithm's graph and its weights (protocols keep the configured
/// one; they talk to whomever their protocol picks).
void set_communication(experiment& exp) {
  exp.comm = std::visit(
    [&](auto& p) -> topology {
      if constexpr (std::is_same_v<std::decay_t<decltype(p)>, protocol_plan>)
        return exp.configured;
      else
        return p.comm;
    },
    exp.plan);
  exp.weights.clear();
  for (auto& phase : exp.comm.phases)
    exp.weights.push_back(default_weights(phase));
}

/// What every protocol node of the run shares.
protocol::population population_of(const experiment& exp) {
  auto bandwidth = std::make_shared<std::vector<double>>();
  std::vector<bool> up(exp.agents());
  for (agent_id i = 0; i < exp.agents(); ++i) {
    bandwidth->push_back(exp.cost->links().uplink(i));
    up[i] = exp.online->online(i, 0);
  }
  return {std::move(bandwidth), std::move(up), exp.cfg.seed};
}

} // namespace

void plan_experiment(experiment& exp) {
  auto& cfg = exp.cfg;
  // Per agent: its model and optimizer state, about 3 more model-sized
  // vectors of pooled buffers and algorithm state, its actors and
  // bookkeeping. Checked before anything per agent is allocated.
  auto agents = static_cast<double>(cfg.run.agents);
  auto per_agent = static_cast<double>(
    bytes_per_agent(exp.net->num_params(), cfg.optimizer, 3));
  require_memory(static_cast<std::uint64_t>(agents * (per_agent + 16384)),
                 "run.agents x model parameters (" +
                   std::to_string(cfg.run.agents) + " x " +
                   std::to_string(exp.net->num_params()) + ")");
  auto& factory = algorithm_registry::get(cfg.algorithm.name, "algorithm.name");
  exp.configured = make_topology(cfg.run.agents, cfg.seed, cfg.topology);
  exp.cost = std::make_unique<cost_model>(cfg.cost, cfg.network, cfg.run.agents,
                                          cfg.seed);
  auto initial =
    std::make_shared<vec>(static_cast<Eigen::Index>(exp.net->num_params()));
  exp.initial = initial;
  run_shape shape{
    cfg.run.agents, exp.num_params(),
    cfg.seed,       &exp.configured,
    exp.cost.get(), static_cast<std::size_t>(cfg.partition.replication)};
  exp.plan = plan_algorithm(factory.make, cfg.algorithm.options, shape);
  set_communication(exp);
  rng gen{derive_seed(cfg.seed, stream::model_init)};
  exp.net->init({initial->data(), initial->size()}, gen);
  exp.lr = std::make_unique<lr_schedule>(cfg.optimizer, schedule_horizon(exp));
  exp.online = std::make_unique<availability>(make_availability(
    cfg.churn, cfg.run.agents, cfg.run.time_budget, cfg.seed));
  if (auto* p = exp.protocol()) {
    if (p->server)
      exp.online->keep_online(*p->server);
    exp.population = population_of(exp);
  }
}

std::unique_ptr<experiment> build_experiment(const run_config& cfg) {
  auto exp = std::make_unique<experiment>();
  exp->cfg = cfg;
  auto data = load_data(cfg.data, cfg.seed);
  auto parts = make_partition(data.train.labels, data.train.num_classes,
                              cfg.run.agents, cfg.partition, cfg.seed);
  exp->train = make_sharded(data.train, parts);
  warn_small_shards(*exp);
  exp->test = first_rows(std::move(data.test), cfg.eval.test_samples);
  exp->net = make_model(cfg.model, data.train.shape, data.train.num_classes,
                        data.train.targets);
  plan_experiment(*exp);
  return exp;
}

agent_context make_context(experiment& exp, agent_id i) {
  auto seed = derive_seed(exp.cfg.seed, stream::sampling, i);
  std::vector<batch_stream> streams;
  auto* sync = exp.synchronous();
  if (sync && sync->sample_pieces) {
    auto pieces = exp.train.piece_count(i);
    for (std::size_t j = 0; j < pieces; ++j)
      streams.emplace_back(exp.train, i, j, exp.cfg.run.batch_size,
                           derive_seed(seed, stream::sampling, j));
  } else {
    streams.emplace_back(exp.train, i, exp.cfg.run.batch_size, seed);
  }
  return agent_context{
    i,       exp.agents(),       *exp.net,   exp.cfg.optimizer,
    *exp.lr, std::move(streams), exp.initial};
}

agent_slot make_agent(experiment& exp, agent_id i) {
  auto& make = std::visit(
    [](auto& p) -> const agent_maker& {
      if constexpr (std::is_same_v<std::decay_t<decltype(p)>, protocol_plan>)
        throw std::logic_error("make_agent: a protocol has no round policy");
      else
        return p.make;
    },
    exp.plan);
  return {make_context(exp, i), make(i)};
}

double plan_round_compute(algorithm& algo, agent_pace& pace, double modelled,
                          round_t k) {
  double d = pace.duration(modelled);
  double limit = algo.deadline();
  if (limit > 0 && d > limit) {
    algo.missed_deadline(k);
    return limit;
  }
  return d;
}

std::uint64_t schedule_horizon(const experiment& exp) {
  if (auto* sync = exp.synchronous()) {
    // Schedules count minibatches (agent_context::steps), which a round may
    // hold several of (local steps, DeTAG's phase budget, coded pieces).
    auto probe = sync->make(0);
    std::uint64_t minibatches = 0;
    for (round_t k = 0; k < exp.cfg.run.rounds; ++k)
      minibatches += probe->gradients_in_round(k);
    return minibatches;
  }
  auto* a = exp.asynchronous();
  if (!a)
    return exp.cfg.run.rounds;
  auto& s = a->schedule;
  if (s.period > 0) // fixed rounds of local_steps steps
    return static_cast<std::uint64_t>(
             std::ceil(exp.cfg.run.time_budget / s.period)) *
           s.local_steps;
  // compute_rate local steps per second, however they group into cycles
  return static_cast<std::uint64_t>(
    std::ceil(s.compute_rate * exp.cfg.run.time_budget));
}

} // namespace murmur
