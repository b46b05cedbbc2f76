// D-PSGD (Lian et al. 2017) in both orders, NeurIPS 2017:
//   mix-then-step (original): x <- sum_j W_ij x_j + u(x_i), the gradient at
//                             x_i computed while the models travel;
//   step-then-mix (adapt-then-combine, the RelaySGD/Plexus baseline):
//                             x <- sum_j W_ij (x_j + u_j).
#include "core/algorithms/kinds.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

/// Where the local step sits relative to mixing.
enum class order { step_then_mix, mix_then_step };

const enum_names<order>& names_of(order) {
  static const enum_names<order> n{{"step-then-mix", order::step_then_mix},
                                   {"mix-then-step", order::mix_then_step}};
  return n;
}

struct dpsgd_options {
  order sequence = order::step_then_mix;
};

const schema<dpsgd_options>& dpsgd_schema() {
  static const auto s = [] {
    schema<dpsgd_options> s;
    s.add<order>(
      "algorithm.order", [](dpsgd_options& o) -> order& { return o.sequence; },
      "step-then-mix (adapt-then-combine) or mix-then-step (the original: "
      "the gradient overlaps the exchange)");
    return s;
  }();
  return s;
}

class dpsgd : public algorithm {
public:
  dpsgd(bool step_first, std::size_t num_params) : step_first_(step_first) {
    if (!step_first_)
      update_.resize(static_cast<Eigen::Index>(num_params));
  }

  void before_send(agent_context& ctx, round_t, const neighbourhood&) override {
    if (step_first_)
      ctx.local_step();
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return {{payload{ctx.shared_model()}}, false};
  }

  void while_waiting(agent_context& ctx, round_t,
                     const neighbourhood&) override {
    if (!step_first_)
      ctx.propose_step({update_.data(), update_.size()});
  }

  void combine(agent_context& ctx, round_t, const neighbourhood& hood,
               const inbox& in) override {
    auto next = ctx.fresh_buffer();
    mix_into(*next, ctx.x(), *hood.weights, in);
    if (!step_first_)
      *next += update_;
    ctx.set_model(std::move(next));
  }

  phase compute_phase() const override {
    return step_first_ ? phase::before_send : phase::while_waiting;
  }

private:
  bool step_first_;
  vec update_; ///< mix-then-step: u(x^k), applied after mixing
};

synchronous_factory make_factory() {
  synchronous_factory f;
  f.options = declared_options(dpsgd_schema(), "dpsgd");
  f.plan = [](const toml::table& resolved, const run_shape& run) {
    bool step_first =
      parse_options(dpsgd_schema(), resolved).sequence == order::step_then_mix;
    auto params = run.num_params;
    return synchronous_plan{
      connected(run, "dpsgd"),
      [=](agent_id) { return std::make_unique<dpsgd>(step_first, params); }};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  "dpsgd", make_factory(),
  "D-PSGD: gossip with the topology's Metropolis-Hastings weights");

} // namespace

} // namespace murmur
