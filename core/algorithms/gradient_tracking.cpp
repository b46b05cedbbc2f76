// Gradient tracking (DSGT), in the update-tracking form
// of the RelaySGD deep-learning code, so that lr schedules and local
// momentum work unchanged:
//
//   u = optimizer update at x^k          (= -lr g for plain SGD)
//   x^{k+1} = sum_j W_ij (x_j + u_j + c_j)
//   c^{k+1} = sum_j W_ij (c_j + u_j) - u_i,      c^0 = 0
//
// One payload per round carries [x + u + c | c + u] (2d floats). The
// tracker of the textbook form is y = -(u + c) / lr. Because W is doubly
// stochastic, sum_i c_i stays 0, so the average model moves by the average
// update exactly: on a quadratic with plain SGD and constant lr it follows
// full gradient descent on the global objective, and at a fixed point every
// agent sits at the global optimum (no D-PSGD heterogeneity bias).
//
// A lost message drops its sender from both mixes (the row is renormalised
// over what arrived), which breaks sum_i c_i = 0 for that round.
#include "core/algorithms/kinds.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

class gradient_tracking : public algorithm {
public:
  explicit gradient_tracking(std::size_t num_params)
    : d_(static_cast<Eigen::Index>(num_params)), u_(vec::Zero(d_)),
      c_(vec::Zero(d_)), mixed_(2 * d_), pool_(2 * num_params) {}

  void before_send(agent_context& ctx, round_t, const neighbourhood&) override {
    ctx.propose_step({u_.data(), u_.size()});
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    sent_ = pool_.acquire();
    sent_->head(d_) = ctx.x() + u_ + c_;
    sent_->tail(d_) = c_ + u_;
    return {{payload{sent_}}, false};
  }

  void combine(agent_context& ctx, round_t, const neighbourhood& hood,
               const inbox& in) override {
    mix_into(mixed_, *sent_, *hood.weights, in);
    sent_.reset(); // back to the pool once the receivers let go
    auto next = ctx.fresh_buffer();
    *next = mixed_.head(d_);
    c_ = mixed_.tail(d_) - u_;
    ctx.set_model(std::move(next));
  }

private:
  Eigen::Index d_;
  vec u_;     ///< this round's update
  vec c_;     ///< correction; u + c tracks the average update
  vec mixed_; ///< W [x + u + c | c + u]
  buffer_pool pool_;
  std::shared_ptr<vec> sent_;
};

synchronous_factory make_factory() {
  synchronous_factory f;
  f.options = declared_options(no_options_schema(), "gradient-tracking");
  f.plan = [](const toml::table&, const run_shape& run) {
    auto params = run.num_params;
    return synchronous_plan{
      connected(run, "gradient-tracking"), [params](agent_id) {
        return std::make_unique<gradient_tracking>(params);
      }};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  "gradient-tracking", make_factory(),
  "gradient tracking (DSGT): gossip plus a tracker of the average update");

} // namespace

} // namespace murmur
