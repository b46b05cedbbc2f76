// Exact All-Reduce SGD, the centralized reference (ALGORITHMS.md 1.3): every
// agent takes its local step, then all models are averaged exactly. As in the
// RelaySGD code the parameters are averaged after the step, which for SGD with
// heavy-ball or Nesterov momentum equals averaging gradients. Every agent
// hears from every other (a complete graph), so this is meant for the
// reference runs (tens to hundreds of agents), not for scale.
#include "core/algorithms/kinds.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

class allreduce : public algorithm {
public:
  void before_send(agent_context& ctx, round_t, const neighbourhood&) override {
    ctx.local_step();
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return {{payload{ctx.shared_model()}}, false};
  }

  void combine(agent_context& ctx, round_t, const neighbourhood&,
               const inbox& in) override {
    auto next = ctx.fresh_buffer();
    exact_average_into(*next, ctx.id(), ctx.x(), in);
    ctx.set_model(std::move(next));
  }
};

synchronous_factory make_factory() {
  synchronous_factory f;
  f.options = declared_options(no_options_schema(), "allreduce");
  f.plan = [](const toml::table&, const run_shape& run) {
    topology_spec complete;
    complete.kind = "complete";
    return synchronous_plan{
      make_topology(run.agents, 0, complete),
      [](agent_id) { return std::make_unique<allreduce>(); }};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  "allreduce", make_factory(),
  "exact All-Reduce SGD (reference; averages all models every round)");

} // namespace

} // namespace murmur
