// Plexus's options and its registration as an event-driven protocol: the
// runtime drives core/algorithms/plexus's state machine with one actor per
// agent (actors/plexus_agent). `fixed_aggregator = true` turns it into the
// FL baseline of the authors' code: one fixed aggregator, the agent with the
// lowest median latency, with unlimited bandwidth.
#include "core/algorithms/algorithm.hpp"

namespace murmur {

namespace {

const char* const name = "plexus";

struct plexus_options {
  std::uint64_t sample_size = 10;
  double success_fraction = 1;
  std::uint64_t aggregators = 1;
  double aggregation_timeout = 300;
  double ping_timeout = 5;
  std::uint64_t inactivity = 1000;
  std::uint64_t local_steps = 5;
  bool fixed_aggregator = false;
};

const schema<plexus_options>& plexus_schema() {
  static const auto s = [] {
    using o = plexus_options;
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

algorithm_factory make_factory() {
  algorithm_factory f;
  f.resolve = resolver(plexus_schema(), name);
  // Plexus talks to whomever the sampler picks; the configured graph is
  // not used.
  f.communication = [](const topology& t, const toml::table&) { return t; };
  f.protocol = [](const toml::table& options) {
    auto o = parse_options(plexus_schema(), options);
    plexus::options p;
    p.sample_size = static_cast<std::size_t>(o.sample_size);
    p.success_fraction = o.success_fraction;
    p.aggregators = static_cast<std::size_t>(o.aggregators);
    p.aggregation_timeout = o.aggregation_timeout;
    p.ping_timeout = o.ping_timeout;
    p.inactivity = o.inactivity;
    p.local_steps = static_cast<std::size_t>(o.local_steps);
    // Which agent aggregates is decided once the cost model exists
    // (build_experiment, plexus::central_agent).
    p.fixed_aggregator = o.fixed_aggregator;
    return p;
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "Plexus: sampled agents train, hash-chosen aggregators average and pass "
  "the model on; churn-tolerant (run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
