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

bool is_json(const std::string& path) {
  auto dot = path.rfind('.');
  return dot != std::string::npos && path.substr(dot) == ".json";
}

/// Agent i draws its upload bandwidth from device class i mod classes:
/// Normal(up_u, up_sigma) kbit/s, at least a tenth of the mean, times
/// 1024/8 bytes/s as the Plexus code converts FedScale's figures.
std::vector<double> drawn_bandwidths(const std::string& path,
                                     std::size_t agents, std::uint64_t seed) {
  auto devices = read_bandwidth_json(path, "cost.bandwidth_trace");
  std::vector<double> out(agents);
  for (std::size_t i = 0; i < agents; ++i) {
    auto& d = devices[i % devices.size()];
    // Index past every agent id: a stream apart from the speed draws.
    rng gen{derive_seed(seed, stream::cost, (std::uint64_t{1} << 32) + i)};
    std::normal_distribution<double> draw{d.mean, d.sigma};
    out[i] = std::max(0.1 * d.mean, draw(gen)) * 1024 / 8;
  }
  return out;
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
    s.add<double>(
      "cost.latency", [](C& c) -> double& { return c.latency; },
      "seconds per message on every link", in_range(0, 1e6));
    s.add<str>(
      "cost.latency_trace", [](C& c) -> str& { return c.latency_trace; },
      "square CSV of site-to-site latency in ms; agent i sits at "
      "site i mod sites");
    s.add<double>(
      "cost.bandwidth", [](C& c) -> double& { return c.bandwidth; },
      "sender bandwidth in bytes/s (0 = unlimited)", in_range(0, 1e15));
    s.add<str>(
      "cost.bandwidth_trace", [](C& c) -> str& { return c.bandwidth_trace; },
      "file of bytes/s, one per line (agent i uses line i mod lines), or a "
      "device JSON with up_u/up_sigma in kbit/s (agent i draws from device "
      "i mod devices)");
    return s;
  }();
  return s;
}

void validate(const cost_config& cfg) {
  if (cfg.speed == speed_kind::trace && cfg.compute_trace.empty())
    throw input_error("cost.compute_trace: cost.speed = \"trace\" needs a "
                      "trace file (seconds per step, one per line)");
}

cost_model::cost_model(const cost_config& cfg, std::size_t agents,
                       std::uint64_t seed)
  : step_(step_times(cfg, agents, seed)), bandwidth_(agents, cfg.bandwidth),
    latency_(cfg.latency) {
  if (!cfg.latency_trace.empty())
    // Public traces carry small negative entries (clock skew in the
    // measurements); a message cannot arrive before it is sent.
    site_latency_ =
      (read_square_matrix(cfg.latency_trace, "cost.latency_trace") / 1000.0)
        .cwiseMax(0.0);
  if (is_json(cfg.bandwidth_trace))
    bandwidth_ = drawn_bandwidths(cfg.bandwidth_trace, agents, seed);
  else if (!cfg.bandwidth_trace.empty()) {
    auto trace =
      read_number_column(cfg.bandwidth_trace, "cost.bandwidth_trace");
    for (std::size_t i = 0; i < agents; ++i)
      bandwidth_[i] = trace[i % trace.size()];
  }
  zero_links_ = latency_ == 0 && site_latency_.size() == 0 &&
                cfg.bandwidth == 0 && cfg.bandwidth_trace.empty();
}

double cost_model::message_seconds(agent_id from, agent_id to,
                                   std::uint64_t bytes) const {
  double latency = latency_;
  if (site_latency_.size() > 0) {
    auto sites = site_latency_.rows();
    latency = site_latency_(from % sites, to % sites);
  }
  double bw = bandwidth_[from];
  return latency + (bw > 0 ? static_cast<double>(bytes) / bw : 0.0);
}

} // namespace murmur
