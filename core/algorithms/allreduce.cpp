// Exact All-Reduce SGD, the centralized reference (ALGORITHMS.md 1.3): every
// agent takes its local step, then all models are averaged exactly. As in the
// RelaySGD code the parameters are averaged after the step, which for SGD with
// heavy-ball or Nesterov momentum equals averaging gradients. Every agent
// hears from every other (a complete graph), so this is meant for the
// reference runs (tens to hundreds of agents), not for scale.
#include "core/algorithms/algorithm.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

struct no_options {};

const schema<no_options>& allreduce_schema() {
  static const schema<no_options> s;
  return s;
}

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

algorithm_factory make_factory() {
  algorithm_factory f;
  f.resolve = resolver(allreduce_schema(), "allreduce");
  f.describe = describer(allreduce_schema());
  f.communication = [](const topology& t, const toml::table&) {
    topology_spec complete;
    complete.kind = "complete";
    return make_topology(t.size(), 0, complete);
  };
  f.make = [](const toml::table&, const algorithm_setup&,
              agent_id) -> std::unique_ptr<algorithm> {
    return std::make_unique<allreduce>();
  };
  return f;
}

const bool registered = algorithm_registry::add(
  "allreduce", make_factory(),
  "exact All-Reduce SGD (reference; averages all models every round)");

} // namespace

} // namespace murmur
