// D-PSGD (Lian et al. 2017) in both orders, see ALGORITHMS.md section 1.1:
//   mix-then-step (original): x <- sum_j W_ij x_j + u(x_i), the gradient at
//                             x_i computed while the models travel;
//   step-then-mix (adapt-then-combine, the RelaySGD/Plexus baseline):
//                             x <- sum_j W_ij (x_j + u_j).
#include "core/algorithms/algorithm.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

struct dpsgd_options {
  std::string order = "step-then-mix";
};

const schema<dpsgd_options>& dpsgd_schema() {
  static const auto s = [] {
    schema<dpsgd_options> s;
    s.add<std::string>(
      "algorithm.order",
      [](dpsgd_options& o) -> std::string& { return o.order; },
      "step-then-mix (adapt-then-combine) | mix-then-step (original, "
      "gradient overlaps the exchange)",
      one_of({"step-then-mix", "mix-then-step"}));
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

algorithm_factory make_factory() {
  algorithm_factory f;
  f.resolve = resolver(dpsgd_schema(), "dpsgd");
  f.describe = describer(dpsgd_schema());
  f.communication = [](const topology& t, const toml::table&) {
    require_connected(t, "dpsgd");
    return t;
  };
  f.make = [](const toml::table& options, const algorithm_setup& setup,
              agent_id) -> std::unique_ptr<algorithm> {
    auto opts = parse_options(dpsgd_schema(), options);
    return std::make_unique<dpsgd>(opts.order == "step-then-mix",
                                   setup.num_params);
  };
  return f;
}

const bool registered = algorithm_registry::add(
  "dpsgd", make_factory(),
  "D-PSGD: gossip with the topology's Metropolis-Hastings weights");

} // namespace

} // namespace murmur
