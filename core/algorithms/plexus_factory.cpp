// Plexus's options and its registration as an event-driven protocol: the
// runtime drives core/algorithms/plexus's state machine with one actor per
// agent (actors/protocol_agent). `fixed_aggregator = true` turns it into the
// FL baseline of the authors' code: one fixed aggregator, the agent with the
// lowest median latency, with unlimited bandwidth.
#include "core/algorithms/kinds.hpp"
#include "core/algorithms/plexus.hpp"

namespace murmur {

namespace {

const char* const name = "plexus";

const schema<plexus::options>& plexus_schema() {
  static const auto s = [] {
    using o = plexus::options;
    using u64 = std::uint64_t;
    schema<o> s;
    s.add<u64>(
      "algorithm.sample_size", [](o& x) -> u64& { return x.sample_size; },
      "s: agents that train each round", at_least<u64>(1));
    s.add<double>(
      "algorithm.success_fraction",
      [](o& x) -> double& { return x.success_fraction; },
      "sf: an aggregator averages once it holds floor(s * sf) models",
      in_range(0.01, 1));
    s.add<u64>(
      "algorithm.aggregators", [](o& x) -> u64& { return x.aggregators; },
      "a: aggregators each trained model goes to", at_least<u64>(1));
    s.add<double>(
      "algorithm.aggregation_timeout",
      [](o& x) -> double& { return x.aggregation_timeout; },
      "seconds after its first model an aggregator completes the round "
      "anyway (with >= 3 models) or drops it",
      positive());
    s.add<double>(
      "algorithm.ping_timeout", [](o& x) -> double& { return x.ping_timeout; },
      "seconds before an unanswered availability ping counts as offline",
      positive());
    s.add<u64>(
      "algorithm.inactivity", [](o& x) -> u64& { return x.inactivity; },
      "rounds without news after which a peer leaves the active view",
      at_least<u64>(1));
    s.add<u64>(
      "algorithm.local_steps", [](o& x) -> u64& { return x.local_steps; },
      "minibatches per training round (fresh momentum every round)",
      at_least<u64>(1));
    s.add<bool>(
      "algorithm.fixed_aggregator",
      [](o& x) -> bool& { return x.fixed_aggregator; },
      "FL baseline: one fixed aggregator (lowest median latency, unlimited "
      "bandwidth, always online) instead of sampled ones");
    return s;
  }();
  return s;
}

protocol_factory make_factory() {
  protocol_factory f;
  f.options = declared_options(plexus_schema(), name);
  // Plexus talks to whomever the sampler picks; the configured graph is
  // not used.
  f.plan = [](const toml::table& resolved, const run_shape& run) {
    auto opts = parse_options(plexus_schema(), resolved);
    protocol_plan plan;
    plan.local_steps = opts.local_steps;
    if (opts.fixed_aggregator) {
      // FL's server is infrastructure: central and always online.
      opts.fixed_id = plexus::central_agent(run.cost->links(), run.agents);
      plan.server = opts.fixed_id;
    }
    plan.make = [opts](agent_id i, const protocol::population& who) {
      return std::make_unique<plexus::node>(i, opts, who);
    };
    return plan;
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "Plexus: sampled agents train, hash-chosen aggregators average and pass "
  "the model on; churn-tolerant (run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
