// RelaySGD (Vogels et al. 2021), NeurIPS 2021: RelaySum/Model (the
// headline method, non-overlapped) and RelaySum/Grad over a spanning tree or
// double binary trees. The mechanism and update live in relay_sum.{hpp,cpp};
// this file binds them to the runtime.
//
// Round t of agent i (model variant):
//   before_send  x^{t+1/2} = x^t + f u       (f = 1, or the lr correction)
//   publish      m_{i->j} = x^{t+1/2} + relayed sums, c_{i->j} counters
//   combine      x^{t+1} = (x^{t+1/2} + sum_j m_{j->i} + (n - N) x_ref) / n
// x_ref is the common initial model x^0, taken from the agent's model in its
// first round (every agent starts from the same x^0).
//
// lr_correction = auto multiplies u by the factor of the impulse experiment
// (2.7) for the run's tree(s), so the configured lr means what it means for
// All-Reduce; the default (none) shows the paper's raw behaviour, whose
// tuned lrs already include a factor of about 3 (double trees) or 5 (chain).
#include "core/algorithms/kinds.hpp"
#include "core/algorithms/relay_sum.hpp"

#include <iostream>
#include <optional>

namespace murmur {

namespace {

const char* const name = "relaysgd";

const schema<relay_options>& relay_schema() {
  static const auto s = [] {
    schema<relay_options> s;
    s.add<relay_tree>(
      "algorithm.tree", [](relay_options& o) -> relay_tree& { return o.tree; },
      "bfs (spanning tree of topology.kind from agent 0), chain, binary, or "
      "double-binary (two trees, even/odd parameters)");
    s.add<relay_normalization>(
      "algorithm.normalization",
      [](relay_options& o) -> relay_normalization& { return o.normalization; },
      "world-size (divide by n, fill missing models) or counts (divide by "
      "the number of models received)");
    s.add<relay_fill>(
      "algorithm.fill", [](relay_options& o) -> relay_fill& { return o.fill; },
      "what fills missing models under world-size: initial (x^0) or self "
      "(own current model, the README version)");
    s.add<bool>(
      "algorithm.update_ref",
      [](relay_options& o) -> bool& { return o.update_ref; },
      "refresh the fill-in reference to the latest model after every step "
      "(robustness runs)");
    s.add<relay_variant>(
      "algorithm.variant",
      [](relay_options& o) -> relay_variant& { return o.variant; },
      "model (RelaySum/Model, relays models) or grad (RelaySum/Grad, relays "
      "updates)");
    s.add<lr_correction>(
      "algorithm.lr_correction",
      [](relay_options& o) -> lr_correction& { return o.correction; },
      "none (paper behaviour) or auto (scale updates by the impulse "
      "experiment's factor for the tree)");
    return s;
  }();
  return s;
}

class relaysgd : public algorithm {
public:
  /// `factors`: the lr correction per tree (empty: none).
  relaysgd(relay_options opts, std::size_t agents, std::size_t num_params,
           std::vector<double> factors)
    : opts_(std::move(opts)), agents_(agents),
      u_(static_cast<Eigen::Index>(num_params)), factors_(std::move(factors)) {}

  void before_send(agent_context& ctx, round_t,
                   const neighbourhood& hood) override {
    if (!relay_)
      start(ctx, hood);
    ctx.propose_step({u_.data(), u_.size()});
    scale_update();
    if (opts_.variant == relay_variant::model)
      ctx.writable_model() += u_;
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return relay_->publish(opts_.variant == relay_variant::model ? ctx.x()
                                                                 : u_);
  }

  void combine(agent_context& ctx, round_t, const neighbourhood&,
               const inbox& in) override {
    auto next = ctx.fresh_buffer();
    if (opts_.variant == relay_variant::model) {
      relay_->combine(in, ctx.x(), *next);
    } else {
      *next = ctx.x();
      relay_->combine(in, u_, *next);
    }
    ctx.set_model(std::move(next));
  }

private:
  void start(agent_context& ctx, const neighbourhood& hood) {
    std::vector<std::vector<agent_id>> peers{*hood.in};
    if (opts_.tree == relay_tree::double_binary)
      peers = tree_peers({binary_tree(agents_), mirrored_binary_tree(agents_)},
                         ctx.id());
    relay_.emplace(opts_, std::move(peers), agents_, ctx.x());
  }

  void scale_update() {
    for (std::size_t t = 0; t < factors_.size(); ++t)
      tree_slice(u_, t, factors_.size()) *= static_cast<float>(factors_[t]);
  }

  relay_options opts_;
  std::size_t agents_;
  vec u_;
  std::vector<double> factors_; ///< per tree; empty = no correction
  std::optional<relay_agent> relay_;
};

/// The learning-rate correction per tree (empty unless lr_correction=auto).
std::vector<double> correction_factors(const std::vector<graph>& trees,
                                       const relay_options& opts) {
  if (opts.correction != lr_correction::automatic)
    return {};
  auto factors = relay_correction_factors(trees, opts);
  std::clog << name << ": lr correction factor " << factors.front()
            << " for the " << to_string(opts.tree) << " tree(s) of "
            << trees.front().size() << " agents\n";
  return factors;
}

synchronous_factory make_factory() {
  synchronous_factory f;
  f.options = declared_options(relay_schema(), name);
  f.plan = [](const toml::table& resolved, const run_shape& run) {
    auto opts = parse_options(relay_schema(), resolved);
    auto trees = relay_trees(opts.tree, *run.configured);
    topology comm;
    comm.name = std::string{name} + "-" + to_string(opts.tree);
    comm.phases.push_back(tree_union(trees));
    auto factors = correction_factors(trees, opts);
    auto agents = run.agents;
    auto params = run.num_params;
    return synchronous_plan{std::move(comm), [=](agent_id) {
                              return std::make_unique<relaysgd>(
                                opts, agents, params, factors);
                            }};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "RelaySGD: RelaySum over a spanning tree or double binary trees (exact "
  "delayed averages instead of gossip)");

} // namespace

} // namespace murmur
