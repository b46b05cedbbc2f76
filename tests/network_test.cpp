// The flow-level network against closed forms (broadcast, fan-in, max-min
// shares, ring all-reduce, FIFO and independent sharing), against a naive
// full recompute on random workloads, and for determinism.
#include "core/base/rng.hpp"
#include "core/time/flow_network.hpp"
#include "tests/flow_reference.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

using namespace murmur;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

/// Runs the network until nothing is in flight; every completion, in order.
std::vector<flow_done> drain(flow_network& net) {
  std::vector<flow_done> all;
  for (double t = net.next_event(); std::isfinite(t); t = net.next_event()) {
    auto& done = net.advance(t);
    all.insert(all.end(), done.begin(), done.end());
  }
  return all;
}

std::map<flow_id, double> finish_times(const std::vector<flow_done>& done) {
  std::map<flow_id, double> out;
  for (auto& d : done)
    out[d.id] = d.finished;
  return out;
}

std::vector<agent_traffic> snapshot(flow_network& net, double now) {
  std::vector<agent_traffic> all;
  for (agent_id i = 0; i < net.agents(); ++i)
    all.push_back(net.traffic(i, now));
  return all;
}

/// n agents, every uplink `up`, every downlink `down`.
flow_network uniform(std::size_t n, double up, double down,
                     sharing_kind sharing = sharing_kind::max_min) {
  return flow_network{std::vector<double>(n, up), std::vector<double>(n, down),
                      sharing};
}

} // namespace

TEST_CASE("a broadcast shares the sender's uplink: latency + k M / B") {
  const int k = 10;
  const double B = 1e6, M = 1e6, latency = 0.05;
  std::vector<double> up(k + 1, inf);
  up[0] = B;
  flow_network net{up, std::vector<double>(k + 1, inf), sharing_kind::max_min};
  std::vector<flow_id> ids;
  for (agent_id j = 1; j <= k; ++j)
    ids.push_back(net.start(0, 0, j, static_cast<std::uint64_t>(M), latency));
  CHECK(net.rate(ids[0]) == 0); // still paying its latency
  CHECK(net.next_event() == doctest::Approx(latency));
  CHECK(net.advance(latency).empty());
  for (auto id : ids)
    CHECK(net.rate(id) == doctest::Approx(B / k).epsilon(1e-12));
  auto sending = snapshot(net, latency);
  auto done = drain(net);
  REQUIRE(done.size() == k);
  double last = latency + k * M / B;
  for (auto& d : done)
    CHECK(d.finished == doctest::Approx(last).epsilon(1e-9));
  // Ties complete by id.
  for (std::size_t i = 0; i < done.size(); ++i)
    CHECK(done[i].id == ids[i]);
  auto end = snapshot(net, done.back().finished);
  CHECK(end[0].bytes_sent == doctest::Approx(k * M));
  CHECK(end[0].network_seconds == doctest::Approx(last));
  for (agent_id j = 1; j <= k; ++j)
    CHECK(end[j].bytes_received == doctest::Approx(M));
  // The uplink is full while the bytes move, and busy 10/10.05 of the time.
  auto busy = net.busiest(sending, end, done.back().finished - latency);
  CHECK(busy.agent == 0);
  CHECK(busy.uplink);
  CHECK(busy.utilisation == doctest::Approx(1.0).epsilon(1e-9));
  auto start = std::vector<agent_traffic>(k + 1);
  CHECK(net.busiest(start, end, last).utilisation ==
        doctest::Approx(k * M / B / last));
}

TEST_CASE("k senders into one downlink take k M / B") {
  const int k = 6;
  const double B = 2e6, M = 3e5;
  std::vector<double> down(k + 1, inf);
  down[0] = B;
  flow_network net{std::vector<double>(k + 1, inf), down,
                   sharing_kind::max_min};
  for (agent_id i = 1; i <= k; ++i)
    net.start(0, i, 0, static_cast<std::uint64_t>(M));
  auto done = drain(net);
  REQUIRE(done.size() == k);
  for (auto& d : done)
    CHECK(d.finished == doctest::Approx(k * M / B).epsilon(1e-9));
  double end = done.back().finished;
  auto busy =
    net.busiest(std::vector<agent_traffic>(k + 1), snapshot(net, end), end);
  CHECK(busy.agent == 0);
  CHECK(!busy.uplink);
  CHECK(busy.utilisation == doctest::Approx(1.0));
}

TEST_CASE("flows on disjoint links do not slow each other") {
  const double B = 1e6, M = 5e5;
  auto net = uniform(4, B, B);
  auto a = net.start(0, 0, 1, static_cast<std::uint64_t>(M));
  auto b = net.start(0, 2, 3, static_cast<std::uint64_t>(M));
  CHECK(net.rate(a) == B);
  CHECK(net.rate(b) == B);
  auto t = finish_times(drain(net));
  CHECK(t[a] == doctest::Approx(M / B));
  CHECK(t[b] == doctest::Approx(M / B));
  // The same two flows into one receiver do share: 2 M / B.
  auto shared = uniform(4, B, B);
  shared.start(0, 0, 1, static_cast<std::uint64_t>(M));
  shared.start(0, 2, 1, static_cast<std::uint64_t>(M));
  for (auto& d : drain(shared))
    CHECK(d.finished == doctest::Approx(2 * M / B));
}

TEST_CASE("max-min shares of a fast and a slow receiver, staggered by hand") {
  // Sender 0: uplink 10. Receiver 1: downlink 2. Receiver 2: unlimited.
  flow_network net{{10, inf, inf}, {inf, 2, inf}, sharing_kind::max_min};
  auto a = net.start(0, 0, 1, 4);  // to the slow receiver
  auto b = net.start(0, 0, 2, 16); // to the fast one
  // The slow downlink caps a at 2; b takes the rest of the uplink.
  CHECK(net.rate(a) == doctest::Approx(2));
  CHECK(net.rate(b) == doctest::Approx(8));
  CHECK(net.advance(1).empty());
  auto c = net.start(1, 0, 2, 6);
  // At t=1: a has 2 left, b 8. a keeps 2; b and c split the other 8.
  CHECK(net.rate(a) == doctest::Approx(2));
  CHECK(net.rate(b) == doctest::Approx(4));
  CHECK(net.rate(c) == doctest::Approx(4));
  // a ends at 2; then b (4 left) and c (2 left) get 5 each; c ends at 2.4;
  // b has 2 left and the whole uplink: it ends at 2.6.
  auto done = drain(net);
  REQUIRE(done.size() == 3);
  CHECK(done[0].id == a);
  CHECK(done[0].finished == doctest::Approx(2.0));
  CHECK(done[1].id == c);
  CHECK(done[1].finished == doctest::Approx(2.4));
  CHECK(done[2].id == b);
  CHECK(done[2].finished == doctest::Approx(2.6));
}

TEST_CASE("ring all-reduce: 2(n-1) steps of M/n bytes") {
  const std::size_t n = 8;
  const double B = 1e6, M = 8e6, latency = 0.01;
  auto net = uniform(n, B, B);
  double t = 0;
  for (std::size_t step = 0; step < 2 * (n - 1); ++step) {
    for (agent_id i = 0; i < n; ++i)
      net.start(t, i, static_cast<agent_id>((i + 1) % n),
                static_cast<std::uint64_t>(M / n), latency);
    auto done = drain(net); // the step ends when every chunk has arrived
    REQUIRE(done.size() == n);
    t = done.back().finished;
  }
  double expected = 2.0 * (n - 1) / n * M / B + 2.0 * (n - 1) * latency;
  CHECK(t == doctest::Approx(expected).epsilon(0.01));
  CHECK(t == doctest::Approx(expected).epsilon(1e-9));
  // Each agent sends and receives 2(n-1)/n model sizes.
  for (agent_id i = 0; i < n; ++i) {
    auto traffic = net.traffic(i, t);
    CHECK(traffic.bytes_sent == doctest::Approx(2.0 * (n - 1) / n * M));
    CHECK(traffic.bytes_received == doctest::Approx(2.0 * (n - 1) / n * M));
  }
}

TEST_CASE("fifo sends one copy at a time, independent copies ignore others") {
  const int k = 4;
  const double B = 1e6, M = 2e5, latency = 0.1;
  auto fifo = uniform(k + 1, B, inf, sharing_kind::fifo);
  auto alone = uniform(k + 1, B, inf, sharing_kind::independent);
  for (auto* net : {&fifo, &alone})
    for (agent_id j = 1; j <= k; ++j)
      net->start(0, 0, j, static_cast<std::uint64_t>(M), latency);
  auto queued = drain(fifo);
  REQUIRE(queued.size() == k);
  for (int j = 0; j < k; ++j) // copy j lands at latency + (j+1) M / B
    CHECK(queued[j].finished == doctest::Approx(latency + (j + 1) * M / B));
  for (auto& d : drain(alone))
    CHECK(d.finished == doctest::Approx(latency + M / B));
  // Independent: a flow alone runs at min(uplink, downlink).
  flow_network pair{{5, 3, inf}, {inf, inf, 2}, sharing_kind::independent};
  pair.start(0, 0, 2, 10);
  pair.start(0, 1, 2, 10);
  auto t = drain(pair);
  REQUIRE(t.size() == 2);
  CHECK(t[0].finished == doctest::Approx(5.0)); // 10 bytes at min(5, 2)
  CHECK(t[1].finished == doctest::Approx(5.0)); // and at min(3, 2)
}

TEST_CASE("a cancelled flow frees its share and keeps its bytes counted") {
  auto net = uniform(3, 1, inf);
  auto a = net.start(0, 0, 1, 10);
  auto b = net.start(0, 0, 2, 10);
  CHECK(net.advance(4).empty());
  auto sent = net.cancel(4, a);
  REQUIRE(sent.has_value());
  CHECK(*sent == doctest::Approx(2)); // 4 s at 1/2 byte/s
  CHECK(!net.cancel(4, a).has_value());
  // b sent 2 bytes at 1/2 each second, 8 left at the full uplink.
  auto done = drain(net);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == b);
  CHECK(done[0].finished == doctest::Approx(12));
  CHECK(net.traffic(0, 12).bytes_sent == doctest::Approx(12));
  CHECK(net.traffic(1, 12).bytes_received == doctest::Approx(2));
  CHECK(net.traffic(1, 12).network_seconds == doctest::Approx(4));
  CHECK_THROWS_AS(net.rate(a), std::logic_error);
}

TEST_CASE("unlimited links and empty messages take only the latency") {
  auto net = uniform(2, inf, inf);
  auto a = net.start(0, 0, 1, 1'000'000, 0.25);
  auto b = net.start(0, 1, 0, 0, 0.5);
  auto t = finish_times(drain(net));
  CHECK(t[a] == 0.25);
  CHECK(t[b] == 0.5);
  CHECK(net.traffic(0, 1).bytes_sent == 1'000'000);
}

TEST_CASE("calls out of time order are refused") {
  auto net = uniform(2, 1, 1);
  net.start(0, 0, 1, 10);
  CHECK_THROWS_AS(net.start(20, 1, 0, 10), std::logic_error); // 10 pending
  net.advance(20);
  CHECK_THROWS_AS(net.advance(19), std::logic_error);
  CHECK_THROWS_AS(uniform(1, 0, 1), std::invalid_argument);
}

namespace {

struct workload {
  std::vector<double> up, down;
  std::vector<testing::planned_flow> flows;
};

workload random_workload(std::uint64_t seed) {
  rng gen{seed};
  std::uniform_real_distribution<double> u{0, 1};
  workload w;
  const std::size_t agents = 10;
  auto capacity = [&] { return u(gen) < 0.2 ? inf : 1e5 + 9e5 * u(gen); };
  for (std::size_t i = 0; i < agents; ++i) {
    w.up.push_back(capacity());
    w.down.push_back(capacity());
  }
  std::uniform_int_distribution<agent_id> agent{0, agents - 1};
  for (int f = 0; f < 200; ++f) {
    testing::planned_flow p;
    p.from = agent(gen);
    do
      p.to = agent(gen);
    while (p.to == p.from);
    p.bytes = u(gen) < 0.05 ? 0 : std::floor(1e4 + 2e6 * u(gen));
    p.start = 0.5 * std::floor(40 * u(gen)); // many starts share an instant
    p.latency = u(gen) < 0.3 ? 0 : 0.2 * u(gen);
    if (u(gen) < 0.1)
      p.cancel_at = p.start + 5 * u(gen);
    w.flows.push_back(p);
  }
  return w;
}

struct outcome {
  std::vector<flow_done> done;
  std::vector<double> finish; ///< per planned flow, +inf when cancelled
  std::vector<agent_traffic> traffic;
};

/// Feeds the plan to a flow_network in time order (starts and cancels at an
/// instant after its events), then drains it.
outcome run_plan(const workload& w, sharing_kind sharing) {
  flow_network net{w.up, w.down, sharing};
  struct call {
    double t;
    bool is_cancel;
    std::size_t flow;
  };
  std::vector<call> calls;
  for (std::size_t f = 0; f < w.flows.size(); ++f) {
    calls.push_back({w.flows[f].start, false, f});
    if (std::isfinite(w.flows[f].cancel_at))
      calls.push_back({w.flows[f].cancel_at, true, f});
  }
  std::stable_sort(calls.begin(), calls.end(),
                   [](const call& a, const call& b) { return a.t < b.t; });
  outcome out;
  auto keep = [&](const std::vector<flow_done>& done) {
    out.done.insert(out.done.end(), done.begin(), done.end());
  };
  std::vector<flow_id> ids(w.flows.size());
  for (auto& c : calls) {
    for (double t = net.next_event(); t <= c.t; t = net.next_event())
      keep(net.advance(t));
    keep(net.advance(c.t));
    auto& p = w.flows[c.flow];
    if (c.is_cancel)
      net.cancel(c.t, ids[c.flow]);
    else
      ids[c.flow] = net.start(c.t, p.from, p.to,
                              static_cast<std::uint64_t>(p.bytes), p.latency);
  }
  keep(drain(net));
  auto by_id = finish_times(out.done);
  for (auto id : ids)
    out.finish.push_back(by_id.count(id) ? by_id[id] : inf);
  double end = out.done.empty() ? 0 : out.done.back().finished;
  out.traffic = snapshot(net, std::max(end, calls.back().t));
  return out;
}

} // namespace

TEST_CASE("component recomputes match a naive full recompute") {
  for (auto sharing :
       {sharing_kind::max_min, sharing_kind::fifo, sharing_kind::independent}) {
    for (std::uint64_t seed : {1, 2, 3}) {
      CAPTURE(to_string(sharing));
      CAPTURE(seed);
      auto w = random_workload(seed);
      auto got = run_plan(w, sharing);
      auto want = testing::reference_finish(w.up, w.down, sharing, w.flows);
      int completed = 0;
      for (std::size_t f = 0; f < w.flows.size(); ++f) {
        CAPTURE(f);
        REQUIRE(std::isfinite(got.finish[f]) == std::isfinite(want[f]));
        if (std::isfinite(want[f])) {
          ++completed;
          CHECK(got.finish[f] == doctest::Approx(want[f]).epsilon(1e-7));
        }
      }
      CHECK(completed > 150);
    }
  }
}

TEST_CASE("identical call sequences give identical results") {
  auto w = random_workload(7);
  for (auto sharing : {sharing_kind::max_min, sharing_kind::fifo}) {
    auto a = run_plan(w, sharing);
    auto b = run_plan(w, sharing);
    REQUIRE(a.done.size() == b.done.size());
    for (std::size_t i = 0; i < a.done.size(); ++i) {
      CHECK(a.done[i].id == b.done[i].id);
      CHECK(a.done[i].finished == b.done[i].finished);
    }
    for (std::size_t i = 0; i < a.traffic.size(); ++i) {
      CHECK(a.traffic[i].bytes_sent == b.traffic[i].bytes_sent);
      CHECK(a.traffic[i].network_seconds == b.traffic[i].network_seconds);
    }
  }
}
