// Exact All-Reduce SGD, the centralized reference (as in the RelaySGD code,
// epfml/relaysgd): every agent takes its local step, then all models are
// averaged exactly. As in the RelaySGD code the parameters are averaged after
// the step, which for SGD with heavy-ball or Nesterov momentum equals averaging
// gradients. Every agent hears from every other (a complete graph), so this is
// meant for the reference runs (tens to hundreds of agents), not for scale.
#include "core/algorithms/kinds.hpp"
#include "core/algorithms/mixing_ops.hpp"
#include "core/algorithms/transfers.hpp"

namespace murmur {

namespace {

struct allreduce_options {
  allreduce_pattern pattern = allreduce_pattern::ring;
};

const schema<allreduce_options>& allreduce_schema() {
  static const auto s = [] {
    schema<allreduce_options> s;
    s.add<allreduce_pattern>(
      "algorithm.pattern",
      [](allreduce_options& o) -> allreduce_pattern& { return o.pattern; },
      "what the network carries: ring (each agent sends and receives "
      "2(n-1)/n model sizes), tree (binary tree, reduce up and broadcast "
      "down) or direct (every model to every agent)");
    return s;
  }();
  return s;
}

class allreduce : public algorithm {
public:
  explicit allreduce(allreduce_pattern pattern) : pattern_(pattern) {}

  void before_send(agent_context& ctx, round_t, const neighbourhood&) override {
    ctx.local_step();
  }

  outbox publish(agent_context& ctx, round_t,
                 const neighbourhood& hood) override {
    payload p{ctx.shared_model()};
    auto wire =
      allreduce_transfers(pattern_, ctx.id(), *hood.out, wire_bytes(p));
    return {{std::move(p)}, false, std::move(wire)};
  }

  void combine(agent_context& ctx, round_t, const neighbourhood&,
               const inbox& in) override {
    auto next = ctx.fresh_buffer();
    exact_average_into(*next, ctx.id(), ctx.x(), in);
    ctx.set_model(std::move(next));
  }

private:
  allreduce_pattern pattern_;
};

synchronous_factory make_factory() {
  synchronous_factory f;
  f.options = declared_options(allreduce_schema(), "allreduce");
  // A lost chunk of a ring or tree all-reduce corrupts everyone's result;
  // averaging what arrived would no longer be All-Reduce, the exact
  // reference this algorithm is for.
  f.survives_message_loss = false;
  f.plan = [](const toml::table& resolved, const run_shape& run) {
    auto pattern = parse_options(allreduce_schema(), resolved).pattern;
    topology_spec complete;
    complete.kind = "complete";
    return synchronous_plan{
      make_topology(run.agents, 0, complete),
      [pattern](agent_id) { return std::make_unique<allreduce>(pattern); }};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  "allreduce", make_factory(),
  "exact All-Reduce SGD (reference; averages all models every round)");

} // namespace

} // namespace murmur
