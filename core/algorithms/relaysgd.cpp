// RelaySGD (Vogels et al. 2021), ALGORITHMS.md 2: RelaySum/Model (the
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
#include "core/algorithms/relay_sum.hpp"

#include <iostream>
#include <optional>

namespace murmur {

namespace {

const char* const name = "relaysgd";

const schema<relay_options>& relay_schema() {
  static const auto s = [] {
    schema<relay_options> s;
    s.add<std::string>(
      "algorithm.tree", [](relay_options& o) -> std::string& { return o.tree; },
      "bfs (spanning tree of topology.kind from agent 0) | chain | binary | "
      "double-binary (two trees, even/odd parameters)",
      one_of({"bfs", "chain", "binary", "double-binary"}));
    s.add<std::string>(
      "algorithm.normalization",
      [](relay_options& o) -> std::string& { return o.normalization; },
      "world-size (divide by n, fill missing models) | counts (divide by "
      "the number of models received)",
      one_of({"world-size", "counts"}));
    s.add<std::string>(
      "algorithm.fill", [](relay_options& o) -> std::string& { return o.fill; },
      "what fills missing models under world-size: initial (x^0) | self "
      "(own current model, README version)",
      one_of({"initial", "self"}));
    s.add<bool>(
      "algorithm.update_ref",
      [](relay_options& o) -> bool& { return o.update_ref; },
      "refresh the fill-in reference to the latest model after every step "
      "(robustness runs)");
    s.add<std::string>(
      "algorithm.variant",
      [](relay_options& o) -> std::string& { return o.variant; },
      "model (RelaySum/Model, relays models) | grad (RelaySum/Grad, relays "
      "updates)",
      one_of({"model", "grad"}));
    s.add<std::string>(
      "algorithm.lr_correction",
      [](relay_options& o) -> std::string& { return o.lr_correction; },
      "none (paper behaviour) | auto (scale updates by the impulse "
      "experiment's factor for the tree)",
      one_of({"none", "auto"}));
    return s;
  }();
  return s;
}

class relaysgd : public algorithm {
public:
  relaysgd(relay_options opts, const algorithm_setup& setup)
    : opts_(std::move(opts)), agents_(setup.agents),
      u_(static_cast<Eigen::Index>(setup.num_params)),
      factors_(setup.constants) {}

  void before_send(agent_context& ctx, round_t,
                   const neighbourhood& hood) override {
    if (!relay_)
      start(ctx, hood);
    ctx.propose_step({u_.data(), u_.size()});
    scale_update();
    if (opts_.variant == "model")
      ctx.writable_model() += u_;
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return relay_->publish(opts_.variant == "model" ? ctx.x() : u_);
  }

  void combine(agent_context& ctx, round_t, const neighbourhood&,
               const inbox& in) override {
    auto next = ctx.fresh_buffer();
    if (opts_.variant == "model") {
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
    if (opts_.tree == "double-binary")
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

topology communicate(const topology& configured, const toml::table& options) {
  auto opts = parse_options(relay_schema(), options);
  topology comm;
  comm.name = std::string{name} + "-" + opts.tree;
  comm.phases.push_back(tree_union(relay_trees(opts.tree, configured)));
  return comm;
}

/// The learning-rate correction per tree (empty unless lr_correction=auto).
std::vector<double> derive(const topology& comm, const toml::table& options) {
  auto opts = parse_options(relay_schema(), options);
  if (opts.lr_correction != "auto")
    return {};
  auto factors = relay_correction_factors(relay_trees(opts.tree, comm), opts);
  std::clog << name << ": lr correction factor " << factors.front()
            << " for the " << opts.tree << " tree(s) of " << comm.size()
            << " agents\n";
  return factors;
}

algorithm_factory make_factory() {
  algorithm_factory f;
  f.resolve = resolver(relay_schema(), name);
  f.describe = describer(relay_schema());
  f.communication = communicate;
  f.prepare = derive;
  f.make = [](const toml::table& options, const algorithm_setup& setup,
              agent_id) -> std::unique_ptr<algorithm> {
    return std::make_unique<relaysgd>(parse_options(relay_schema(), options),
                                      setup);
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "RelaySGD: RelaySum over a spanning tree or double binary trees (exact "
  "delayed averages instead of gossip)");

} // namespace

} // namespace murmur
