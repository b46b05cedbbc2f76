// GOCO (Li & Skoglund, arXiv 2402.04193, as we read the paper: SGC plugged into
// step-then-mix D-PSGD). Per round t, agent i
//   s ~ Bernoulli(1-p) from its own stream   (0 = straggler)
//   s = 1: x <- x + u / (1-p)                 u = the optimizer's update
//   s = 0: x unchanged (counted in straggled())
//   publish x, then x <- sum_j W_ij x_j       (stragglers gossip too)
//
// The encoded gradient e_i = (1/(d(1-p))) sum_{j in A_i} grad f_j, with
// agent i's shard the union of its d partitions (partition.replication, see
// coding_assignment). algorithm.compute says how the sum is computed:
//   coded (the method as specified): one minibatch from each of the d
//     partitions, their gradients averaged (agent_context::propose_step with
//     one data stream per piece): d minibatches per round, which the time
//     model charges (gradients_in_round = d), so with a deadline d partitions
//     take d times as long as one;
//   equal: one minibatch drawn from the union, whose gradient estimates the
//     same mean over the union (exactly when the d partitions have equal
//     sizes; with unequal sizes each f_j is weighted by its share): the same
//     computation per round as D-PSGD, an equal-compute variant.
// Only the 1/(1-p) is applied here, to the optimizer's update u (for plain
// SGD the same as scaling the gradient; with momentum and a fixed p as well,
// since the buffer is linear in the gradients). scaling = none with d > 1 is
// uncoded replication (the d gradients averaged, no 1/(1-p)).
//
// Stragglers come from one of two models (algorithm.straggler):
//   bernoulli: the coin above, apart from the cost model: the round still
//     charges its gradients (the straggler was computing but missed the
//     deadline) and the synchronous round does not wait any longer for it;
//   deadline: no coin; the agents whose modelled compute this round (step
//     time x gradients, speed, stragglers' delays and slowdowns, drawn
//     through the time model) would outlast algorithm.deadline seconds. The
//     runtime tells the agent before its step, and the round charges it only
//     the deadline. p is then the probability of missing it, which sets the
//     scale 1/(1-p): give it from the time model, or estimate it online.
//
// p_estimate = online (pitfall 1) replaces p with the agent's own straggle
// frequency so far, shrunk towards 0 by `prior_rounds` pseudo-rounds without
// straggling:  p_hat_t = straggled_before_t / (t + prior_rounds).
// It uses only past rounds, so the scale is independent of this round's
// coin; p_hat < 1 always (scale <= (t + prior)/prior); it starts at 0
// (no rescaling: a too small step rather than a too large one) and tends to
// p, so the encoded gradient is asymptotically unbiased.
#include "core/algorithms/goco.hpp"

#include "core/algorithms/kinds.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

const char* const name = "goco";

enum class scaling { sgc, none };

const enum_names<scaling>& names_of(scaling) {
  static const enum_names<scaling> n{{"sgc", scaling::sgc},
                                     {"none", scaling::none}};
  return n;
}

enum class p_source { known, online };

const enum_names<p_source>& names_of(p_source) {
  static const enum_names<p_source> n{{"known", p_source::known},
                                      {"online", p_source::online}};
  return n;
}

enum class coding_compute { coded, equal };

const enum_names<coding_compute>& names_of(coding_compute) {
  static const enum_names<coding_compute> n{{"coded", coding_compute::coded},
                                            {"equal", coding_compute::equal}};
  return n;
}

enum class straggler_model { bernoulli, deadline };

const enum_names<straggler_model>& names_of(straggler_model) {
  static const enum_names<straggler_model> n{
    {"bernoulli", straggler_model::bernoulli},
    {"deadline", straggler_model::deadline}};
  return n;
}

struct goco_options {
  double p = 0;
  scaling scale = scaling::sgc;
  p_source p_estimate = p_source::known;
  double prior_rounds = 10;
  straggler_model straggler = straggler_model::bernoulli;
  double deadline = 0;
  coding_compute compute = coding_compute::coded;
};

const schema<goco_options>& goco_schema() {
  static const auto s = [] {
    schema<goco_options> s;
    s.add<double>(
      "algorithm.p", [](goco_options& o) -> double& { return o.p; },
      "straggler probability per agent and round, in [0, 1) (with straggler "
      "= deadline: the probability of missing it, used for the scale)",
      in_range(0, 1, false, true));
    s.add<scaling>(
      "algorithm.scaling", [](goco_options& o) -> scaling& { return o.scale; },
      "sgc (non-stragglers scale their update by 1/(1-p)) or none "
      "(stragglers skip, no rescaling: the D-PSGD baseline)");
    s.add<p_source>(
      "algorithm.p_estimate",
      [](goco_options& o) -> p_source& { return o.p_estimate; },
      "known (scale with the true p) or online (with the agent's observed "
      "straggle frequency, see prior_rounds)");
    s.add<double>(
      "algorithm.prior_rounds",
      [](goco_options& o) -> double& { return o.prior_rounds; },
      "online: pseudo-rounds without straggling in the estimate "
      "straggled / (rounds + prior_rounds)",
      positive());
    s.add<straggler_model>(
      "algorithm.straggler",
      [](goco_options& o) -> straggler_model& { return o.straggler; },
      "bernoulli (each agent misses a round with probability p) or deadline "
      "(agents whose modelled compute outlasts algorithm.deadline miss it)");
    s.add<double>(
      "algorithm.deadline",
      [](goco_options& o) -> double& { return o.deadline; },
      "straggler = deadline: seconds a round's compute may take",
      at_least(0.0));
    s.add<coding_compute>(
      "algorithm.compute",
      [](goco_options& o) -> coding_compute& { return o.compute; },
      "coded (a minibatch from each of the d partitions, charged d "
      "minibatches) or equal (one minibatch from their union: D-PSGD's "
      "computation)");
    return s;
  }();
  return s;
}

/// The rules between options, after each option passed its own.
void check(const goco_options& o) {
  bool by_deadline = o.straggler == straggler_model::deadline;
  if (by_deadline && !(o.deadline > 0))
    throw input_error("algorithm.deadline: must be > 0 with straggler = "
                      "\"deadline\", e.g. 0.15 (seconds)");
  if (!by_deadline && o.deadline > 0)
    throw input_error("algorithm.deadline: only used with straggler = "
                      "\"deadline\"; set that or remove the deadline");
  if (by_deadline && o.scale == scaling::sgc &&
      o.p_estimate == p_source::known && o.p == 0)
    throw input_error("algorithm.p: with straggler = \"deadline\" and "
                      "p_estimate = \"known\", give the probability of "
                      "missing the deadline (or p_estimate = \"online\")");
}

// Uniform in [0, 1) from the top 53 bits: unlike std's distributions, the
// same on every standard library.
double uniform01(rng& gen) {
  return static_cast<double>(gen() >> 11) * 0x1p-53;
}

} // namespace

goco::goco(const settings& s, std::uint64_t seed) : s_(s), gen_(seed) {}

double goco::scale() const {
  if (!s_.rescale)
    return 1;
  double p = s_.online ? static_cast<double>(straggled_) /
                           (static_cast<double>(rounds_) + s_.prior_rounds)
                       : s_.p;
  return 1 / (1 - p);
}

void goco::before_send(agent_context& ctx, round_t, const neighbourhood&) {
  auto factor = static_cast<float>(scale()); // from past rounds only
  bool straggles = s_.deadline > 0 ? late_ : uniform01(gen_) < s_.p;
  late_ = false;
  ++rounds_;
  if (straggles) {
    ++straggled_;
    return;
  }
  auto u = thread_scratch(static_cast<std::size_t>(ctx.x().size()));
  ctx.propose_step(u);
  ctx.writable_model() += factor * u;
}

outbox goco::publish(agent_context& ctx, round_t, const neighbourhood&) {
  return {{payload{ctx.shared_model()}}, false};
}

void goco::combine(agent_context& ctx, round_t, const neighbourhood& hood,
                   const inbox& in) {
  auto next = ctx.fresh_buffer();
  mix_into(*next, ctx.x(), *hood.weights, in);
  ctx.set_model(std::move(next));
}

namespace {

synchronous_factory make_factory() {
  synchronous_factory f;
  f.options = declared_options<goco_options>(goco_schema(), name, check);
  f.plan = [](const toml::table& resolved, const run_shape& run) {
    auto o = parse_options(goco_schema(), resolved);
    bool coded = o.compute == coding_compute::coded && run.replication > 1;
    goco::settings s{o.p,
                     o.scale == scaling::sgc,
                     o.p_estimate == p_source::online,
                     o.prior_rounds,
                     o.deadline,
                     coded ? static_cast<unsigned>(run.replication) : 1u};
    auto seed = run.seed;
    return synchronous_plan{connected(run, name),
                            [s, seed](agent_id agent) {
                              return std::make_unique<goco>(
                                s, derive_seed(seed, stream::algorithm, agent));
                            },
                            coded};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "GOCO: D-PSGD with stochastic-gradient-coded steps under Bernoulli(p) or "
  "deadline stragglers (use with partition.replication)");

} // namespace

} // namespace murmur
