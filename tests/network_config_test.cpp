// The network.* section: its keys and their bad input, and the per-agent
// capacities and latencies a run gets from constants, lists, lognormal draws
// and traces.
#include "core/config/config.hpp"
#include "core/time/link_model.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using namespace murmur;
using testing::contains;
using testing::error_of;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

std::string config_error(const std::vector<std::string>& sets) {
  return error_of([&] { load_config("", sets); });
}

const testing::scratch_dir& files() {
  static const testing::scratch_dir dir{"network"};
  return dir;
}

network_config traced(const std::string& name, const std::string& text) {
  network_config cfg;
  cfg.capacity = capacity_kind::trace;
  cfg.capacity_trace = files().write(name, text).string();
  return cfg;
}

} // namespace

TEST_CASE("network keys: bad capacities, lists and sharing are one line") {
  CHECK(config_error({"network.uplink=0"}) ==
        "network.uplink: must be > 0 bytes/s (inf = unlimited), got 0");
  CHECK(config_error({"network.downlink=nan"}) ==
        "network.downlink: must be > 0 bytes/s (inf = unlimited), got nan");
  CHECK(config_error({"run.agents=3", "network.capacity=list",
                      "network.uplinks=[1e6, -1, 2e6]"}) ==
        "network.uplinks: entry 1 must be > 0 bytes/s (inf = unlimited), got "
        "-1");
  CHECK(config_error({"run.agents=4", "network.capacity=list",
                      "network.uplinks=[1e6, 2e6, 3e6]"}) ==
        "network.uplinks: 3 entries for 4 agents; give one per agent "
        "(run.agents)");
  CHECK(config_error({"run.agents=2", "network.downlinks=[1e6, 2e6]"}) ==
        "network.downlinks: per-agent lists need network.capacity = \"list\"");
  CHECK(contains(config_error({"network.capacity=list"}),
                 "needs network.uplinks or network.downlinks"));
  CHECK(config_error({"network.sharing=fair"}) ==
        "network.sharing: unknown value 'fair'; use one of: max-min, fifo, "
        "independent");
  CHECK(contains(config_error({"network.capacity=trace"}),
                 "network.capacity_trace: network.capacity = \"trace\" needs "
                 "a file"));
  CHECK(contains(config_error({"network.capacity_trace=x.csv"}),
                 "needs network.capacity = \"trace\""));
  CHECK(contains(
    config_error({"network.latency=0.1", "network.latency_trace=x.csv"}),
    "not both"));
  // The keys moved out of cost.*.
  CHECK(contains(config_error({"cost.bandwidth=1e6"}), "unknown config key"));
}

TEST_CASE("unlimited capacities survive the resolved config") {
  auto cfg =
    load_config("", {"run.agents=2", "network.capacity=list",
                     "network.uplinks=[1e6, inf]", "network.sharing=fifo"});
  std::ostringstream text;
  text << to_toml(cfg);
  auto back = config_from_text(text.str(), "resolved");
  CHECK(back.network.downlink == inf);
  CHECK(back.network.uplinks == std::vector<double>{1e6, inf});
  CHECK(back.network.sharing == sharing_kind::fifo);
}

TEST_CASE("capacity rows: agent i uses row i, up or up,down") {
  auto both = traced("both.csv", "up,down\n1e6,2e6\n# phone\n3e6,4e6\n5,6\n");
  auto caps = make_capacities(both, 3, 1);
  CHECK(caps.up == std::vector<double>{1e6, 3e6, 5});
  CHECK(caps.down == std::vector<double>{2e6, 4e6, 6});
  CHECK(error_of([&] { make_capacities(both, 4, 1); }) ==
        "network.capacity_trace: " + both.capacity_trace +
          " has 3 rows for 4 agents; give one row per agent (agent i uses "
          "row i)");
  auto up_only = traced("up.csv", "1e6\n2e6\n");
  up_only.downlink = 7e5;
  caps = make_capacities(up_only, 2, 1);
  CHECK(caps.up == std::vector<double>{1e6, 2e6});
  CHECK(caps.down == std::vector<double>{7e5, 7e5});
  auto rows_error = [](const std::string& text) {
    auto cfg = traced("bad.csv", text);
    return error_of([&] { make_capacities(cfg, 2, 1); });
  };
  CHECK(contains(rows_error("1,2\n3\n"), ":2: has 1 fields, expected 2"));
  CHECK(contains(rows_error("1,2,3\n4,5,6\n"), ":1: has 3 fields; expected "
                                               "up or up,down"));
  CHECK(contains(rows_error("1\n0\n"), ":2: capacity 0 must be > 0 bytes/s"));
  CHECK(contains(rows_error("1\nfast\n"), ":2: field 1 'fast'"));
}

TEST_CASE("device JSON: agent i draws up and down from device i mod devices") {
  // With sigma 0 a draw is the mean: kbit/s x 1024 / 8 bytes/s.
  auto cfg = traced("devices.json",
                    R"({"a": {"up_u": 800, "up_sigma": 0, "down_u": 1600,
                              "down_sigma": 0},
                        "b": {"up_u": 80, "up_sigma": 0}})");
  cfg.downlink = 5e6;
  auto caps = make_capacities(cfg, 3, 9);
  CHECK(caps.up == std::vector<double>{102400, 10240, 102400});
  CHECK(caps.down == std::vector<double>{204800, 5e6, 204800});
  auto half =
    traced("half.json", R"({"a": {"up_u": 8, "up_sigma": 1, "down_u": 9}})");
  CHECK(contains(error_of([&] { make_capacities(half, 1, 1); }),
                 "device 'a': field down_sigma missing"));
}

TEST_CASE("lognormal capacities: median, spread, one stream per agent") {
  network_config cfg;
  cfg.capacity = capacity_kind::lognormal;
  cfg.uplink = 1e6;
  cfg.capacity_sigma = 0.5;
  auto many = make_capacities(cfg, 2001, 5);
  auto few = make_capacities(cfg, 10, 5);
  for (std::size_t i = 0; i < 10; ++i)
    CHECK(few.up[i] == many.up[i]); // independent of the agent count
  CHECK(make_capacities(cfg, 10, 6).up != few.up);
  auto logs = many.up;
  double sum = 0, sum2 = 0;
  for (auto& v : logs) {
    v = std::log(v / 1e6);
    sum += v;
    sum2 += v * v;
  }
  std::nth_element(logs.begin(), logs.begin() + 1000, logs.end());
  CHECK(std::exp(logs[1000]) == doctest::Approx(1.0).epsilon(0.05));
  double mean = sum / 2001;
  CHECK(std::sqrt(sum2 / 2001 - mean * mean) ==
        doctest::Approx(0.5).epsilon(0.05));
  // An unlimited median stays unlimited.
  CHECK(std::all_of(many.down.begin(), many.down.end(),
                    [](double c) { return c == inf; }));
}

TEST_CASE("per-agent lists, the other direction takes the constant") {
  network_config cfg;
  cfg.capacity = capacity_kind::list;
  cfg.uplinks = {1e6, 2e6, inf};
  cfg.downlink = 3e6;
  auto caps = make_capacities(cfg, 3, 1);
  CHECK(caps.up == cfg.uplinks);
  CHECK(caps.down == std::vector<double>{3e6, 3e6, 3e6});
}

TEST_CASE("link model: site latency, capacities, flows over it") {
  network_config cfg;
  cfg.latency_trace = files().write("lat.csv", "0,100\n40,0\n").string();
  cfg.capacity = capacity_kind::list;
  cfg.uplinks = {1e6, 2e6, 1e6};
  cfg.downlinks = {5e5, 5e5, 5e5};
  link_model links{cfg, 3, 1};
  CHECK(links.latency(0, 1) == doctest::Approx(0.1));
  CHECK(links.latency(1, 0) == doctest::Approx(0.04));
  CHECK(links.latency(2, 1) == doctest::Approx(0.1)); // agent 2 at site 0
  CHECK(!links.instant());
  auto net = links.make_flows();
  CHECK(net.uplink(1) == 2e6);
  CHECK(net.downlink(0) == 5e5);
  link_model free{network_config{}, 3, 1};
  CHECK(free.instant());
  network_config down_only;
  down_only.downlink = 1e6; // a limited downlink alone takes time
  CHECK(!link_model{down_only, 3, 1}.instant());
  CHECK(free.uplink(2) == inf);
}
