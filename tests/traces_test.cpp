// Cost model inputs: trace loaders, per-agent speeds, link delays, straggler
// draws and the command language.
#include "core/base/error.hpp"
#include "core/time/cost_model.hpp"
#include "core/time/injections.hpp"
#include "core/time/pace.hpp"
#include "core/time/traces.hpp"
#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace murmur;
namespace fs = std::filesystem;

namespace {

const testing::scratch_dir& traces() {
  static const testing::scratch_dir dir{"traces"};
  return dir;
}

fs::path write_trace(const std::string& name, const std::string& text) {
  return traces().write(name, text);
}

using testing::error_of;

} // namespace

TEST_CASE("number columns skip a header and comments, reject bad rows") {
  auto good = write_trace("good.csv", "seconds\n0.5\n# slow phone\n2\n\n");
  CHECK(read_number_column(good.string(), "cost.compute_trace") ==
        std::vector<double>{0.5, 2.0});
  auto bad = write_trace("bad.csv", "0.5\n1\nfast\n");
  auto msg = error_of([&] { read_number_column(bad.string(), "f"); });
  CHECK(msg.find(bad.string() + ":3:") != std::string::npos);
  CHECK(msg.find("'fast' is not a number") != std::string::npos);
  auto negative = write_trace("neg.csv", "1\n-2\n");
  CHECK(error_of([&] {
          read_number_column(negative.string(), "f");
        }).find(":2: value -2 must be > 0") != std::string::npos);
  CHECK(error_of([] {
          read_number_column("/nonexistent.csv", "cost.x");
        }).find("cost.x: cannot read trace file '/nonexistent.csv'") !=
        std::string::npos);
}

TEST_CASE("latency matrices are square and report the bad field") {
  auto ok = write_trace("m.csv", "0,10,20\n10,0,30\n20,30,0\n");
  auto m = read_square_matrix(ok.string(), "network.latency_trace");
  CHECK(m.rows() == 3);
  CHECK(m(1, 2) == 30);
  auto ragged = write_trace("r.csv", "0,1\n1\n");
  CHECK(error_of([&] {
          read_square_matrix(ragged.string(), "f");
        }).find(":2: has 1 fields, expected 2") != std::string::npos);
  auto word = write_trace("w.csv", "0,1,2\n1,0,x\n2,1,0\n");
  CHECK(error_of([&] {
          read_square_matrix(word.string(), "f");
        }).find(":2: field 3 'x'") != std::string::npos);
}

TEST_CASE("links take latency + bytes / bandwidth, sites round-robin") {
  auto m = write_trace("lat.csv", "0,100\n40,0\n");
  network_config net;
  net.latency_trace = m.string();
  net.uplink = 1e6;
  cost_model cost{cost_config{}, net, 5, 1};
  auto& links = cost.links();
  CHECK(links.latency(0, 1) == doctest::Approx(0.1));
  // Alone on its links: latency + bytes / the sender's uplink.
  auto flows = links.make_flows();
  flows.start(0, 1, 0, 2'000'000, links.latency(1, 0));
  CHECK(flows.next_event() == doctest::Approx(0.04));
  flows.advance(0.04);
  CHECK(flows.next_event() == doctest::Approx(2.04));
  // Agent 2 sits at site 0, agent 3 at site 1.
  CHECK(links.latency(2, 3) == doctest::Approx(0.1));
  CHECK(!links.instant());
}

TEST_CASE("the real 227-site latency trace loads") {
  fs::path trace = testing::traces_dir() + "latencies-227.csv";
  if (!fs::exists(trace))
    return testing::skip(trace.string() + " is absent (set MURMUR_TRACES)");
  auto m = read_square_matrix(trace.string(), "network.latency_trace");
  CHECK(m.rows() == 227);
  CHECK(m(0, 0) < 1.0); // site 0 to itself: about 0 ms
  CHECK(m.maxCoeff() > 100);
}

TEST_CASE("lognormal speeds are deterministic with median 1") {
  cost_config cfg;
  cfg.step_seconds = 1;
  cfg.speed = speed_kind::lognormal;
  cfg.speed_sigma = 1;
  cost_model a{cfg, network_config{}, 2001, 7};
  cost_model b{cfg, network_config{}, 2001, 7};
  std::vector<double> steps;
  for (agent_id i = 0; i < 2001; ++i) {
    CHECK(a.step_seconds(i) == b.step_seconds(i));
    steps.push_back(a.step_seconds(i));
  }
  std::nth_element(steps.begin(), steps.begin() + 1000, steps.end());
  CHECK(steps[1000] == doctest::Approx(1.0).epsilon(0.1));
  CHECK(*std::max_element(steps.begin(), steps.end()) > 5); // heavy tail
}

TEST_CASE("random straggler delays have the configured mean") {
  for (auto kind : {delay_kind::exponential, delay_kind::pareto}) {
    CAPTURE(to_string(kind));
    straggler_config cfg;
    cfg.delay = kind;
    cfg.delay_mean = 0.2;
    cfg.pareto_shape = 3;
    agent_pace pace{cfg, 0, 1};
    double sum = 0;
    int n = 200000;
    for (int k = 0; k < n; ++k)
      sum += pace.duration(1.0) - 1.0;
    CHECK(sum / n == doctest::Approx(0.2).epsilon(0.03));
  }
}

TEST_CASE("injections compose with fixed stragglers and undo cleanly") {
  straggler_config cfg;
  cfg.agents = {2};
  cfg.slowdown = 3;
  agent_pace pace{cfg, 2, 1};
  CHECK(pace.duration(0.1) == doctest::Approx(0.3));
  auto slow = parse_command("slow 0-3 5x", 4);
  pace.apply(slow);
  CHECK(pace.duration(0.1) == doctest::Approx(1.5));
  pace.apply(parse_command("delay 2 200ms", 4));
  CHECK(pace.duration(0.1) == doctest::Approx(1.7));
  pace.apply(undo(slow));
  CHECK(pace.duration(0.1) == doctest::Approx(0.5));
}

TEST_CASE("the command language parses and rejects with one line") {
  auto c = parse_command("slow 0-3 5x", 8);
  CHECK(c.what == command::verb::slow);
  CHECK(c.first == 0);
  CHECK(c.last == 3);
  CHECK(c.factor == 5);
  CHECK(parse_command("delay 7 200ms", 8).seconds == doctest::Approx(0.2));
  CHECK(to_string(parse_command("pause 4", 8)) == "pause 4");
  auto s = parse_scripted("at 30s slow 0-3 5x for 20s", 8);
  CHECK(s.at == 30);
  CHECK(*s.for_seconds == 20);
  CHECK(parse_scripted("at 2m kill 1", 8).at == 120);
  CHECK(error_of([] {
          parse_command("slow 9 2x", 8);
        }).find("agent 9 does not exist") != std::string::npos);
  CHECK(error_of([] {
          parse_command("sloww 1 2x", 8);
        }).find("unknown command 'sloww'") != std::string::npos);
  CHECK(error_of([] {
          parse_command("delay 1 soon", 8);
        }).find("not a duration") != std::string::npos);
  CHECK(error_of([] {
          parse_scripted("at 1s kill 1 for 2s", 8);
        }).find("cannot be undone") != std::string::npos);
}

// Found by fuzzing (tests/fuzz/corpus/commands/crash-*).
TEST_CASE("the command language refuses huge agents and durations") {
  // The agent was converted to long for the message: undefined beyond 2^63.
  auto huge = "044444444444444444444444444444444";
  CHECK(testing::contains(
    error_of([&] { parse_command(std::string{"slow "} + huge + " 5x", 64); }),
    std::string{"agent "} + huge + " does not exist (agents are 0-63)"));
  CHECK(testing::contains(
    error_of([&] { parse_command(std::string{"kill 0-"} + huge, 64); }),
    std::string{"agent "} + huge + " does not exist"));
  // 1e306 hours overflowed to an infinite time.
  CHECK(
    testing::contains(error_of([] { parse_scripted("at 1e306h kill 1", 8); }),
                      "'1e306h' is not a duration"));
  CHECK(testing::contains(error_of([] { parse_command("delay 1 1e306h", 8); }),
                          "not a duration"));
  CHECK(parse_duration("1e300s") == 1e300);
}

TEST_CASE("device bandwidth JSON: real FLASH statistics and bad input") {
  fs::path flash = testing::traces_dir() + "flash-bandwidth-kbps.json";
  if (fs::exists(flash)) {
    auto devices =
      read_bandwidth_json(flash.string(), "network.capacity_trace");
    CHECK(devices.size() == 19);
    for (auto& d : devices)
      CHECK(d.up.mean > 0);
    network_config c;
    c.capacity = capacity_kind::trace;
    c.capacity_trace = flash.string();
    cost_model a{cost_config{}, c, 40, 3};
    cost_model b{cost_config{}, c, 40, 3};
    for (agent_id i = 0; i < 40; ++i) {
      CHECK(a.links().uplink(i) == b.links().uplink(i));
      CHECK(a.links().uplink(i) > 0);
    }
    CHECK(a.links().uplink(0) != a.links().uplink(19)); // own draws
  } else {
    MESSAGE("skipped: " << flash << " is absent");
  }
  auto bad = [](const std::string& text) {
    auto p = write_trace("bw.json", text);
    return error_of([&] { read_bandwidth_json(p.string(), "f"); });
  };
  CHECK(testing::contains(bad("{\"a\": {\"up_u\": 1}}"),
                          "device 'a': field up_sigma"));
  CHECK(testing::contains(bad("{\"a\": {\"up_u\": -1, \"up_sigma\": 2}}"),
                          "field up_u must be > 0"));
  CHECK(testing::contains(bad("{\"a\": "), "not valid JSON"));
  CHECK(testing::contains(bad("[]"), "expected an object of devices"));
  // Found by fuzzing (crash-number-overflow): nlohmann's out_of_range
  // escaped as an exception that is not an input_error.
  CHECK(testing::contains(bad("{\"a\": {\"up_u\": 1e999, \"up_sigma\": 1}}"),
                          "bw.json: holds a number out of range (f)"));
}
