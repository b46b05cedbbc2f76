#include "core/time/cost_model.hpp"

#include "core/base/error.hpp"
#include "core/base/rng.hpp"
#include "core/time/traces.hpp"

#include <cmath>
#include <random>

namespace murmur {

namespace {

std::vector<double> step_times(const cost_config& cfg, std::size_t agents,
                               std::uint64_t seed) {
  std::vector<double> steps(agents, cfg.step_seconds);
  if (cfg.speed == speed_kind::lognormal) {
    for (std::size_t i = 0; i < agents; ++i) {
      rng gen{derive_seed(seed, stream::cost, i)};
      std::normal_distribution<double> z{0.0, 1.0};
      steps[i] = cfg.step_seconds / std::exp(cfg.speed_sigma * z(gen));
    }
  } else if (cfg.speed == speed_kind::trace) {
    auto trace = read_number_column(cfg.compute_trace, "cost.compute_trace");
    for (std::size_t i = 0; i < agents; ++i)
      steps[i] = trace[i % trace.size()];
  }
  return steps;
}

} // namespace

const schema<cost_config>& cost_schema() {
  static const auto s = [] {
    using C = cost_config;
    using str = std::string;
    schema<C> s;
    s.add<double>(
      "cost.step_seconds", [](C& c) -> double& { return c.step_seconds; },
      "modelled seconds of one minibatch gradient at speed 1",
      in_range(0, 1e6));
    s.add<speed_kind>(
      "cost.speed", [](C& c) -> speed_kind& { return c.speed; },
      "per-agent speed: all 1, lognormal draws with median 1, or a trace");
    s.add<double>(
      "cost.speed_sigma", [](C& c) -> double& { return c.speed_sigma; },
      "lognormal: sigma of log(speed), median speed 1", in_range(0, 10));
    s.add<str>(
      "cost.compute_trace", [](C& c) -> str& { return c.compute_trace; },
      "trace: file of seconds per step, one per line; agent i uses "
      "line i mod lines");
    return s;
  }();
  return s;
}

void validate(const cost_config& cfg) {
  if (cfg.speed == speed_kind::trace && cfg.compute_trace.empty())
    throw input_error("cost.compute_trace: cost.speed = \"trace\" needs a "
                      "trace file (seconds per step, one per line)");
}

cost_model::cost_model(const cost_config& cfg, const network_config& net,
                       std::size_t agents, std::uint64_t seed)
  : step_(step_times(cfg, agents, seed)), links_(net, agents, seed) {}

} // namespace murmur
