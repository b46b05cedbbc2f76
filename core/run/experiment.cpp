#include "core/run/experiment.hpp"

#include <cmath>

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

} // namespace

mixing default_weights(const graph& g) {
  return g.is_undirected() ? metropolis_hastings(g) : uniform_weights(g);
}

neighbourhood experiment::hood(agent_id i, round_t k) const {
  auto phase = k % comm.phases.size();
  auto& g = comm.phases[phase];
  return {&g.in[i], &g.out[i], &weights[phase][i]};
}

bool experiment::is_eval_round(round_t completed) const {
  return completed % cfg.run.eval_every == 0 || completed == cfg.run.rounds;
}

void plan_communication(experiment& exp) {
  auto& options = exp.cfg.algorithm.options;
  exp.comm = exp.algo->communication(exp.configured, options);
  exp.weights.clear();
  for (auto& phase : exp.comm.phases)
    exp.weights.push_back(default_weights(phase));
  exp.schedule.reset();
  if (exp.algo->asynchronous)
    exp.schedule = exp.algo->asynchronous(options);
  exp.protocol.reset();
  if (exp.algo->protocol)
    exp.protocol = exp.algo->protocol(options);
  if (exp.algo->prepare)
    exp.algo_constants = exp.algo->prepare(exp.comm, options);
}

std::unique_ptr<experiment> build_experiment(const run_config& cfg) {
  auto exp = std::make_unique<experiment>();
  exp->cfg = cfg;
  exp->algo =
    &algorithm_registry::get(cfg.algorithm.name, "algorithm.name").make;
  auto data = load_data(cfg.data, cfg.seed);
  auto parts = make_partition(data.train.labels, data.train.num_classes,
                              cfg.run.agents, cfg.partition, cfg.seed);
  exp->train = make_sharded(data.train, parts);
  exp->test = first_rows(std::move(data.test), cfg.eval.test_samples);
  exp->net = make_model(cfg.model, data.train.dim(), data.train.num_classes,
                        data.train.targets);
  exp->configured = make_topology(cfg.run.agents, cfg.seed, cfg.topology);
  plan_communication(*exp);
  exp->initial.resize(static_cast<Eigen::Index>(exp->net->num_params()));
  rng gen{derive_seed(cfg.seed, stream::model_init)};
  exp->net->init({exp->initial.data(), exp->initial.size()}, gen);
  exp->lr =
    std::make_unique<lr_schedule>(cfg.optimizer, schedule_horizon(*exp));
  exp->cost = std::make_unique<cost_model>(cfg.cost, cfg.network,
                                           cfg.run.agents, cfg.seed);
  exp->online = std::make_unique<availability>(make_availability(
    cfg.churn, cfg.run.agents, cfg.run.time_budget, cfg.seed));
  if (exp->protocol && exp->protocol->fixed_aggregator) {
    // FL's server is infrastructure: central and always online.
    auto server = plexus::central_agent(exp->cost->links(), cfg.run.agents);
    exp->protocol->fixed_id = server;
    exp->online->keep_online(server);
  }
  return exp;
}

agent_slot make_agent(experiment& exp, agent_id i) {
  batch_stream stream{exp.train, i, exp.cfg.run.batch_size,
                      derive_seed(exp.cfg.seed, stream::sampling, i)};
  algorithm_setup setup{exp.agents(), exp.num_params(), exp.cfg.seed,
                        exp.algo_constants};
  return {agent_context{i, exp.agents(), *exp.net, exp.cfg.optimizer, *exp.lr,
                        std::move(stream), exp.initial},
          exp.algo->make ? exp.algo->make(exp.cfg.algorithm.options, setup, i)
                         : nullptr};
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
  if (!exp.schedule)
    return exp.cfg.run.rounds;
  auto& s = *exp.schedule;
  return static_cast<std::uint64_t>(
    std::ceil(s.compute_rate * exp.cfg.run.time_budget * s.local_steps));
}

std::uint64_t wire_bytes(const payload& p) {
  // Header (sender, round, send time, counter, length) plus the raw floats;
  // the actor layer's serializer writes exactly this (checked in tests).
  constexpr std::uint64_t header = 4 + 8 + 8 + 8 + 8;
  return header + sizeof(float) * static_cast<std::uint64_t>(p.data->size());
}

} // namespace murmur
