#include "core/time/link_model.hpp"

#include "core/base/error.hpp"
#include "core/base/rng.hpp"
#include "core/time/traces.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace murmur {

namespace {

bool is_json(const std::string& path) {
  auto dot = path.rfind('.');
  return dot != std::string::npos && path.substr(dot) == ".json";
}

/// Agent i's capacity = median x exp(sigma x z), uplink then downlink drawn
/// from the agent's own stream (an unlimited median stays unlimited).
void draw_lognormal(const network_config& cfg, link_capacities& caps,
                    std::uint64_t seed) {
  for (std::size_t i = 0; i < caps.up.size(); ++i) {
    rng gen{derive_seed(seed, stream::network, i)};
    std::normal_distribution<double> z{0.0, 1.0};
    caps.up[i] = cfg.uplink * std::exp(cfg.capacity_sigma * z(gen));
    caps.down[i] = cfg.downlink * std::exp(cfg.capacity_sigma * z(gen));
  }
}

/// One draw from a device class in kbit/s: Normal(mean, sigma), at least a
/// tenth of the mean, times 1024/8 bytes/s as the Plexus code converts
/// FedScale's figures.
double device_draw(const bandwidth_stats& s, rng& gen) {
  std::normal_distribution<double> draw{s.mean, s.sigma};
  return std::max(0.1 * s.mean, draw(gen)) * 1024 / 8;
}

/// Agent i draws from device class i mod classes, uplink then downlink (when
/// the file has it), on the stream these draws have always used, so uplinks
/// keep the values of runs made before downlinks were modelled.
void draw_devices(const std::string& path, link_capacities& caps,
                  std::uint64_t seed) {
  auto devices = read_bandwidth_json(path, "network.capacity_trace");
  for (std::size_t i = 0; i < caps.up.size(); ++i) {
    auto& d = devices[i % devices.size()];
    // Index past every agent id: a stream apart from the speed draws.
    rng gen{derive_seed(seed, stream::cost, (std::uint64_t{1} << 32) + i)};
    caps.up[i] = device_draw(d.up, gen);
    if (d.down)
      caps.down[i] = device_draw(*d.down, gen);
  }
}

/// Agent i uses row i; a trace with fewer rows than agents is refused.
void read_rows(const std::string& path, link_capacities& caps) {
  auto rows = read_capacity_rows(path, "network.capacity_trace");
  auto agents = caps.up.size();
  if (rows.up.size() < agents)
    throw input_error("network.capacity_trace: " + path + " has " +
                      std::to_string(rows.up.size()) + " rows for " +
                      std::to_string(agents) +
                      " agents; give one row per agent (agent i uses row i)");
  std::copy_n(rows.up.begin(), agents, caps.up.begin());
  if (!rows.down.empty())
    std::copy_n(rows.down.begin(), agents, caps.down.begin());
}

} // namespace

link_capacities make_capacities(const network_config& cfg, std::size_t agents,
                                std::uint64_t seed) {
  validate(cfg, agents);
  link_capacities caps{std::vector<double>(agents, cfg.uplink),
                       std::vector<double>(agents, cfg.downlink)};
  switch (cfg.capacity) {
    case capacity_kind::constant: break;
    case capacity_kind::list:
      if (!cfg.uplinks.empty())
        caps.up = cfg.uplinks;
      if (!cfg.downlinks.empty())
        caps.down = cfg.downlinks;
      break;
    case capacity_kind::lognormal: draw_lognormal(cfg, caps, seed); break;
    case capacity_kind::trace:
      if (is_json(cfg.capacity_trace))
        draw_devices(cfg.capacity_trace, caps, seed);
      else
        read_rows(cfg.capacity_trace, caps);
      break;
  }
  return caps;
}

link_model::link_model(const network_config& cfg, std::size_t agents,
                       std::uint64_t seed)
  : capacities_(make_capacities(cfg, agents, seed)), latency_(cfg.latency),
    sharing_(cfg.sharing) {
  if (!cfg.latency_trace.empty())
    // Public traces carry small negative entries (clock skew in the
    // measurements); a message cannot arrive before it is sent.
    site_latency_ =
      (read_square_matrix(cfg.latency_trace, "network.latency_trace") / 1000.0)
        .cwiseMax(0.0);
  auto all_inf = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(),
                       [](double c) { return std::isinf(c); });
  };
  bool unlimited = all_inf(capacities_.up) && all_inf(capacities_.down);
  instant_ = latency_ == 0 && site_latency_.size() == 0 && unlimited;
}

double link_model::latency(agent_id from, agent_id to) const {
  if (site_latency_.size() == 0)
    return latency_;
  auto sites = site_latency_.rows();
  return site_latency_(from % sites, to % sites);
}

} // namespace murmur
