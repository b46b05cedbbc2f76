// DRACO (Jeong & Kountouris; arXiv 2406.13533, our reading of its event
// model): asynchronous SGD over row-stochastic wireless gossip. Each agent
// has two independent Poisson clocks. At every computation event it
//   mixes:  x <- (x + sum_{m in B} x_m) / (1 + |B|)   B = fresh arrivals,
//                                                      newest per sender
//   steps:  x <- x + u(x)   (local_steps times)
//   and publishes x as its latest snapshot;
// at every communication event its mailer broadcasts the latest snapshot to
// the agents in range, each delivery lost with probability `erasure`. The
// buffer keeps at most psi senders and nothing older than tau_max (on
// arrival and at mixing). The event loop itself lives in the actors
// (actors/async_trainer, actors/async_mailer); this file is the policy.
#include "core/algorithms/async.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

const char* const name = "draco";

const schema<async_schedule>& draco_schema() {
  static const auto s = [] {
    using o = async_schedule;
    schema<o> s;
    s.add<double>(
      "algorithm.compute_rate", [](o& x) -> double& { return x.compute_rate; },
      "compute cycles per second at speed 1 (a cycle lasts Exp(rate) s, "
      "times the agent's cost-model speed ratio and its pace)",
      positive());
    s.add<double>(
      "algorithm.comm_rate", [](o& x) -> double& { return x.comm_rate; },
      "broadcasts per second per agent (Poisson, independent of compute)",
      positive());
    s.add<std::uint64_t>(
      "algorithm.psi", [](o& x) -> std::uint64_t& { return x.psi; },
      "receive buffer capacity in senders between two mixing steps "
      "(0 = unlimited); arrivals from new senders are dropped when full");
    s.add<double>(
      "algorithm.tau_max", [](o& x) -> double& { return x.tau_max; },
      "staleness limit in seconds: older messages are never mixed "
      "(0 = no limit)",
      in_range(0, 1e9));
    s.add<double>(
      "algorithm.erasure", [](o& x) -> double& { return x.erasure; },
      "probability that one delivery of a broadcast is lost, in [0, 1)",
      in_range(0, 1, false, true));
    s.add<std::uint64_t>(
      "algorithm.local_steps",
      [](o& x) -> std::uint64_t& { return x.local_steps; },
      "local optimizer steps per compute cycle", at_least<std::uint64_t>(1));
    s.add<channel_model>(
      "algorithm.channel", [](o& x) -> channel_model& { return x.channel; },
      "erasure (each delivery lost with probability `erasure`) or rayleigh "
      "(outage 1 - exp(-snr_threshold d^path_loss / mean_snr) over the "
      "distance d between random-geometric positions)");
    s.add<double>(
      "algorithm.snr_threshold",
      [](o& x) -> double& { return x.snr_threshold; },
      "rayleigh: SNR threshold theta (linear)", positive());
    s.add<double>(
      "algorithm.path_loss", [](o& x) -> double& { return x.path_loss; },
      "rayleigh: path-loss exponent alpha", positive());
    s.add<double>(
      "algorithm.mean_snr", [](o& x) -> double& { return x.mean_snr; },
      "rayleigh: mean SNR at distance 1 in the unit square (linear)",
      positive());
    return s;
  }();
  return s;
}

class draco : public stepping_gossip {
public:
  using stepping_gossip::stepping_gossip;

  void combine(agent_context& ctx, round_t, const neighbourhood&,
               const inbox& in) override {
    if (in.empty())
      return;
    auto next = ctx.fresh_buffer();
    mix_into(*next, ctx.x(), row_stochastic_weights(in), in);
    ctx.set_model(std::move(next));
  }
};

asynchronous_factory make_factory() {
  asynchronous_factory f;
  f.options = declared_options(draco_schema(), name);
  f.plan = [](const toml::table& resolved, const run_shape& run) {
    auto schedule = parse_options(draco_schema(), resolved);
    auto& comm = connected(run, name);
    if (schedule.channel == channel_model::rayleigh && comm.positions.empty())
      throw input_error("algorithm.channel: rayleigh needs node positions; "
                        "use topology.kind = \"random-geometric\"");
    auto steps = static_cast<unsigned>(schedule.local_steps);
    return asynchronous_plan{comm, schedule, [steps](agent_id) {
                               return std::make_unique<draco>(steps);
                             }};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "DRACO: asynchronous row-stochastic gossip, decoupled compute and "
  "broadcast clocks (run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
