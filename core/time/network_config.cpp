#include "core/time/network_config.hpp"

#include "core/base/error.hpp"

#include <string>

namespace murmur {

namespace {

const char* unlimited_hint = " bytes/s (inf = unlimited)";

/// A link capacity: > 0, and not NaN; inf is unlimited.
std::function<void(const std::string&, const double&)> capacity() {
  return [](const std::string& key, const double& v) {
    if (!(v > 0))
      throw input_error(key + ": must be > 0" + unlimited_hint + ", got " +
                        show_number(v));
  };
}

std::function<void(const std::string&, const std::vector<double>&)>
capacities() {
  return [](const std::string& key, const std::vector<double>& values) {
    for (std::size_t k = 0; k < values.size(); ++k)
      if (!(values[k] > 0))
        throw input_error(key + ": entry " + std::to_string(k) +
                          " must be > 0" + unlimited_hint + ", got " +
                          show_number(values[k]));
  };
}

void check_list(const std::string& key, const std::vector<double>& list,
                std::size_t agents) {
  if (!list.empty() && list.size() != agents)
    throw input_error(key + ": " + std::to_string(list.size()) +
                      " entries for " + std::to_string(agents) +
                      " agents; give one per agent (run.agents)");
}

} // namespace

const schema<network_config>& network_schema() {
  static const auto s = [] {
    using C = network_config;
    using str = std::string;
    using list = std::vector<double>;
    schema<C> s;
    s.add<double>(
      "network.latency", [](C& c) -> double& { return c.latency; },
      "seconds every message spends on its link before its bytes move",
      in_range(0, 1e6));
    s.add<str>(
      "network.latency_trace", [](C& c) -> str& { return c.latency_trace; },
      "square CSV of site-to-site latency in ms; agent i sits at "
      "site i mod sites");
    s.add<capacity_kind>(
      "network.capacity", [](C& c) -> capacity_kind& { return c.capacity; },
      "where uplink and downlink capacities come from: network.uplink and "
      "network.downlink for everyone, per-agent lists, lognormal draws around "
      "them, or a trace");
    s.add<double>(
      "network.uplink", [](C& c) -> double& { return c.uplink; },
      "uplink bytes/s of every agent (lognormal: the median; list, trace: "
      "when they give none); inf = unlimited",
      capacity());
    s.add<double>(
      "network.downlink", [](C& c) -> double& { return c.downlink; },
      "downlink bytes/s of every agent (lognormal: the median; list, trace: "
      "when they give none); inf = unlimited",
      capacity());
    s.add<list>(
      "network.uplinks", [](C& c) -> list& { return c.uplinks; },
      "list: uplink bytes/s of each agent, one per agent", capacities());
    s.add<list>(
      "network.downlinks", [](C& c) -> list& { return c.downlinks; },
      "list: downlink bytes/s of each agent, one per agent", capacities());
    s.add<double>(
      "network.capacity_sigma",
      [](C& c) -> double& { return c.capacity_sigma; },
      "lognormal: sigma of log(capacity); each agent draws its uplink and "
      "downlink from its own stream",
      in_range(0, 10));
    s.add<str>(
      "network.capacity_trace", [](C& c) -> str& { return c.capacity_trace; },
      "trace: a file of one row per agent, 'up' or 'up,down' in bytes/s "
      "(agent i uses row i), or a device JSON with up_u/up_sigma and "
      "down_u/down_sigma in kbit/s (agent i draws from device i mod devices)");
    s.add<sharing_kind>(
      "network.sharing", [](C& c) -> sharing_kind& { return c.sharing; },
      "how concurrent transfers share links: max-min fair flows, one transfer "
      "at a time per uplink, or every transfer alone");
    s.add<double>(
      "network.message_loss", [](C& c) -> double& { return c.message_loss; },
      "synchronous algorithms: probability in [0, 1) that a message is lost "
      "(each sender, receiver and round independently, the same in every "
      "engine); it still costs its sender the bytes and link time, and the "
      "receiver combines without it",
      in_range(0, 1, false, true));
    return s;
  }();
  return s;
}

void validate(const network_config& cfg, std::size_t agents) {
  if (cfg.latency > 0 && !cfg.latency_trace.empty())
    throw input_error("network.latency: set network.latency (seconds) or "
                      "network.latency_trace (a site matrix), not both");
  if (cfg.capacity == capacity_kind::list) {
    if (cfg.uplinks.empty() && cfg.downlinks.empty())
      throw input_error("network.uplinks: network.capacity = \"list\" needs "
                        "network.uplinks or network.downlinks, one bytes/s "
                        "value per agent");
    check_list("network.uplinks", cfg.uplinks, agents);
    check_list("network.downlinks", cfg.downlinks, agents);
  } else {
    for (auto [key, list] : {std::pair<const char*, const std::vector<double>*>{
                               "network.uplinks", &cfg.uplinks},
                             {"network.downlinks", &cfg.downlinks}})
      if (!list->empty())
        throw input_error(std::string{key} +
                          ": per-agent lists need network.capacity = "
                          "\"list\"");
  }
  bool traced = cfg.capacity == capacity_kind::trace;
  if (traced && cfg.capacity_trace.empty())
    throw input_error("network.capacity_trace: network.capacity = \"trace\" "
                      "needs a file (rows of up or up,down bytes/s, or a "
                      "device JSON)");
  if (!traced && !cfg.capacity_trace.empty())
    throw input_error("network.capacity_trace: a capacity trace needs "
                      "network.capacity = \"trace\"");
}

} // namespace murmur
