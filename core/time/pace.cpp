#include "core/time/pace.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace murmur {

agent_pace::agent_pace(const straggler_config& cfg, agent_id id,
                       std::uint64_t seed)
  : cfg_(cfg) {
  bool draws = (cfg.delay != delay_kind::none && cfg.delay_mean > 0) ||
               cfg.outage_probability > 0;
  if (draws) // every draw below needs one of these
    gen_ = std::make_unique<rng>(derive_seed(seed, stream::stragglers, id));
  if (std::find(cfg.agents.begin(), cfg.agents.end(), static_cast<int>(id)) !=
      cfg.agents.end())
    fixed_ = cfg.slowdown;
}

double agent_pace::duration(double base) {
  double d = base * fixed_ * injected_ + extra_;
  if (!gen_)
    return d; // nothing random configured
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  if (cfg_.delay == delay_kind::exponential && cfg_.delay_mean > 0)
    d += std::exponential_distribution<double>{1.0 / cfg_.delay_mean}(*gen_);
  if (cfg_.delay == delay_kind::pareto && cfg_.delay_mean > 0) {
    // Pareto with tail index a and the given mean: x_m = mean (a-1)/a.
    double a = cfg_.pareto_shape;
    double xm = cfg_.delay_mean * (a - 1) / a;
    d += xm / std::pow(1.0 - unit(*gen_), 1.0 / a);
  }
  if (cfg_.outage_probability > 0 && unit(*gen_) < cfg_.outage_probability)
    d += cfg_.outage_seconds;
  return d;
}

void agent_pace::apply(const command& c) {
  switch (c.what) {
    case command::verb::slow: injected_ = c.factor; break;
    case command::verb::delay: extra_ = c.seconds; break;
    case command::verb::pause: paused_ = true; break;
    case command::verb::resume: paused_ = false; break;
    case command::verb::kill: killed_ = true; break;
    default: break;
  }
}

const schema<straggler_config>& stragglers_schema() {
  static const auto s = [] {
    using C = straggler_config;
    schema<C> s;
    s.add<std::vector<int>>(
      "stragglers.agents", [](C& c) -> std::vector<int>& { return c.agents; },
      "permanently slow agents, e.g. [0, 5]");
    s.add<double>(
      "stragglers.slowdown", [](C& c) -> double& { return c.slowdown; },
      "compute factor of stragglers.agents", in_range(1e-6, 1e6));
    s.add<delay_kind>(
      "stragglers.delay", [](C& c) -> delay_kind& { return c.delay; },
      "random extra delay per step on every agent");
    s.add<double>(
      "stragglers.delay_mean", [](C& c) -> double& { return c.delay_mean; },
      "mean of the random delay, seconds", in_range(0, 1e6));
    s.add<double>(
      "stragglers.pareto_shape", [](C& c) -> double& { return c.pareto_shape; },
      "pareto: tail index (> 1)", in_range(0, 1e3));
    s.add<double>(
      "stragglers.outage_probability",
      [](C& c) -> double& { return c.outage_probability; },
      "per step, chance that the agent goes dark", in_range(0, 1));
    s.add<double>(
      "stragglers.outage_seconds",
      [](C& c) -> double& { return c.outage_seconds; },
      "length of an outage, seconds", in_range(0, 1e6));
    s.add<std::vector<std::string>>(
      "stragglers.events",
      [](C& c) -> std::vector<std::string>& { return c.events; },
      "scripted commands, e.g. [\"at 30s slow 0-3 5x for 20s\"]");
    return s;
  }();
  return s;
}

void validate(const straggler_config& cfg, std::size_t agents) {
  for (int a : cfg.agents)
    if (a < 0 || static_cast<std::size_t>(a) >= agents)
      throw input_error("stragglers.agents: agent " + std::to_string(a) +
                        " does not exist (agents are 0-" +
                        std::to_string(agents - 1) + ")");
  if (cfg.delay == delay_kind::pareto && !(cfg.pareto_shape > 1))
    throw input_error("stragglers.pareto_shape: must be > 1 for a finite "
                      "mean, e.g. 2");
  for (std::size_t k = 0; k < cfg.events.size(); ++k) {
    try {
      parse_scripted(cfg.events[k], agents);
    } catch (const input_error& e) {
      throw input_error("stragglers.events[" + std::to_string(k) +
                        "]: " + e.what());
    }
  }
}

} // namespace murmur
