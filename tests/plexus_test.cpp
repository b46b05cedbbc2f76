// Plexus: the deterministic sampler, view merging, and the protocol state
// machine driven over a small discrete-event network (aggregation, failover
// when an aggregator leaves mid-round, stale models, cancelled training);
// then availability traces and Plexus runs on the actors.
#include "core/algorithms/plexus.hpp"
#include "core/time/availability.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <queue>
#include <sstream>

using namespace murmur;
using namespace murmur::plexus;

namespace {

protocol::population population(std::vector<double> bandwidth,
                                std::vector<bool> up, std::uint64_t seed) {
  return {std::make_shared<std::vector<double>>(std::move(bandwidth)),
          std::move(up), seed};
}

/// A network of plexus::node over a discrete-event queue: every message
/// takes `latency` seconds, a training `train_seconds`. Models have 1 +
/// agents parameters; training adds 1 to the first (so the model aggregated
/// for round k holds exactly k - 1 there when only models trained in round
/// k - 1 were averaged) and 1 to the trainer's own marker 1 + id (so the
/// markers show whose work an aggregated model averages).
class network {
public:
  network(std::size_t agents, const options& o, double train = 1)
    : train_seconds(agents, train) {
    auto who = population(std::vector<double>(agents, 0),
                          std::vector<bool>(agents, true), 7);
    for (agent_id i = 0; i < agents; ++i)
      nodes.emplace_back(i, o, who);
    tokens_.resize(agents);
  }

  void start() {
    for (auto& n : nodes) {
      effects fx;
      n.start(std::make_shared<vec>(vec::Zero(dim())), fx);
      apply(n.id(), fx);
    }
  }

  /// Runs events until `until` seconds or until `stop` holds after one.
  void run(
    double until, std::function<bool()> stop = [] { return false; }) {
    while (!queue_.empty() && queue_.top().t <= until) {
      auto e = queue_.top();
      queue_.pop();
      now = e.t;
      e.fire();
      if (stop())
        return;
    }
  }

  void leave(agent_id i) {
    effects fx;
    nodes[i].leave(fx);
    apply(i, fx);
  }

  std::vector<node> nodes;
  std::vector<std::pair<round_t, agent_id>> completions; ///< who, in order
  std::vector<std::pair<round_t, float>> values;         ///< aggregated
  std::vector<blob> aggregated; ///< the aggregated models, in order
  std::vector<double> train_seconds;
  double latency = 0.05;
  double now = 0;

private:
  Eigen::Index dim() const {
    return 1 + static_cast<Eigen::Index>(nodes.size());
  }

  struct event {
    double t;
    std::uint64_t seq;
    std::function<void()> fire;
    bool operator>(const event& o) const {
      return t > o.t || (t == o.t && seq > o.seq);
    }
  };

  void at(double t, std::function<void()> f) {
    queue_.push({t, seq_++, std::move(f)});
  }

  void apply(agent_id who, effects& fx) {
    if (fx.cancel)
      ++tokens_[who];
    for (auto& s : fx.sends)
      at(now + latency, [this, to = s.to, m = s.msg] {
        effects out;
        nodes[to].receive(m, out);
        apply(to, out);
      });
    for (auto& t : fx.timers)
      at(now + t.delay, [this, who, t] {
        effects out;
        nodes[who].expire(t, out);
        apply(who, out);
      });
    if (fx.train) {
      auto token = ++tokens_[who];
      auto [k, model] = *fx.train;
      at(now + train_seconds[who], [this, who, token, k = k, model = model] {
        if (tokens_[who] != token)
          return;
        effects out;
        auto next = std::make_shared<vec>(*model);
        (*next)(0) += 1;
        (*next)(1 + static_cast<Eigen::Index>(who)) += 1;
        nodes[who].trained(k, next, out);
        apply(who, out);
      });
    }
    for (auto& [k, model] : fx.aggregated) {
      completions.emplace_back(k, who);
      values.emplace_back(k, (*model)(0));
      aggregated.push_back(model);
    }
  }

  std::vector<std::uint64_t> tokens_;
  std::priority_queue<event, std::vector<event>, std::greater<event>> queue_;
  std::uint64_t seq_ = 0;
};

options small(std::size_t s, double sf) {
  options o;
  o.sample_size = s;
  o.success_fraction = sf;
  o.ping_timeout = 1;
  o.aggregation_timeout = 30;
  return o;
}

/// Plexus on the virtual clock: synthetic data, 24 agents, 200 s.
run_config plexus_config(const std::filesystem::path& output,
                         const std::vector<std::string>& extra) {
  std::vector<std::string> sets{"data.name=synthetic",
                                "algorithm.name=plexus",
                                "algorithm.sample_size=4",
                                "algorithm.success_fraction=0.75",
                                "clock.kind=virtual",
                                "cost.step_seconds=0.5",
                                "network.latency=0.02",
                                "network.uplink=1e6",
                                "run.agents=24",
                                "run.time_budget=200",
                                "run.eval_seconds=10",
                                "run.threads=2",
                                "run.output=\"" + output.string() + "\"",
                                "run.name=p",
                                "optimizer.lr=0.2",
                                "partition.kind=dirichlet",
                                "partition.alpha=0.5"};
  sets.insert(sets.end(), extra.begin(), extra.end());
  return load_config("", sets);
}

bool lineage_is_clean(const network& net) {
  for (auto& [k, v] : net.values)
    if (v != static_cast<float>(k - 1))
      return false;
  return true;
}

} // namespace

TEST_CASE("plexus: same view, same sample and aggregators") {
  std::vector<bool> up(40, true);
  up[3] = up[17] = false;
  std::vector<double> bw(40);
  for (std::size_t i = 0; i < bw.size(); ++i)
    bw[i] = static_cast<double>((i * 7) % 5);
  options o;
  node a{2, o, population(bw, up, 1)};
  node b{31, o, population(bw, up, 1)};
  // Different histories that end in the same view.
  view extra(40);
  extra[5].last_active = 9;
  effects ignore;
  a.receive({code(kind::aggregated), 9, 4, 0, false,
             std::make_shared<vec>(vec::Zero(1)), extra},
            ignore);
  b.receive({code(kind::trained), 5, 9, 0, false,
             std::make_shared<vec>(vec::Zero(1)), extra},
            ignore);
  REQUIRE(a.peers().size() == b.peers().size());
  for (round_t k : {1, 2, 10, 77}) {
    auto pa = active_peers(a.peers(), k, o.inactivity);
    auto pb = active_peers(b.peers(), k, o.inactivity);
    CHECK(pa == pb);
    CHECK(candidates(k, pa) == candidates(k, pb));
    CHECK(aggregator_order(k, pa, o.sample_size, bw) ==
          aggregator_order(k, pb, o.sample_size, bw));
    // Offline-at-start agents are never candidates.
    auto c = candidates(k, pa);
    CHECK(c.size() == 38);
    CHECK(std::count(c.begin(), c.end(), 3) == 0);
  }
  // The order is a different permutation every round.
  auto p = active_peers(a.peers(), 1, o.inactivity);
  CHECK(candidates(1, p) != candidates(2, p));
  // Aggregators: the first s candidates, bandwidth-best first.
  auto order = aggregator_order(4, p, 10, bw);
  auto first = candidates(4, p);
  first.resize(10);
  CHECK(std::is_permutation(order.begin(), order.end(), first.begin()));
  for (std::size_t i = 1; i < order.size(); ++i)
    CHECK(bw[order[i - 1]] >= bw[order[i]]);
}

TEST_CASE("plexus: views merge by activity and membership index") {
  view mine(3);
  view theirs(3);
  mine[0] = {5, 1, true};
  theirs[0] = {3, 2, false}; // newer membership event, older activity
  mine[1] = {1, 4, false};
  theirs[1] = {8, 3, true}; // older membership event
  merge(mine, theirs);
  CHECK(mine[0].last_active == 5);
  CHECK(mine[0].index == 2);
  CHECK_FALSE(mine[0].joined);
  CHECK(mine[1].last_active == 8);
  CHECK_FALSE(mine[1].joined);
  CHECK(active_peers(mine, 10, 1000) == std::vector<agent_id>{2});
  CHECK(active_peers(mine, 10, 5) == std::vector<agent_id>{});
}

TEST_CASE("plexus: rounds complete in a pipeline of samples") {
  network net{30, small(5, 1)};
  net.start();
  net.run(200);
  REQUIRE(net.completions.size() > 20);
  for (std::size_t i = 0; i < net.completions.size(); ++i)
    CHECK(net.completions[i].first == i + 2); // one aggregation per round
  CHECK(lineage_is_clean(net));
}

TEST_CASE("plexus: an aggregated model averages the work of several "
          "agents") {
  network net{30, small(5, 0.8)}; // aggregates at 4 trained models
  net.start();
  net.run(60);
  REQUIRE(net.aggregated.size() > 5);
  // The first aggregation averages models trained from x^0 = 0: each of its
  // m contributors' markers holds exactly 1/m, the others 0.
  auto& first = *net.aggregated.front();
  std::vector<float> markers(first.data() + 1, first.data() + first.size());
  auto m = std::count_if(markers.begin(), markers.end(),
                         [](float v) { return v > 0; });
  CHECK(m >= 4);
  for (float v : markers)
    if (v > 0)
      CHECK(v == doctest::Approx(1.0 / static_cast<double>(m)));
  // Later models carry the work of every sample so far: markers sum to the
  // rounds trained, spread over more agents than one sample holds.
  auto& last = *net.aggregated.back();
  CHECK(last.tail(last.size() - 1).sum() == doctest::Approx(last(0)));
  CHECK((last.tail(last.size() - 1).array() > 0).count() > 5);
}

TEST_CASE("plexus: an aggregator that leaves mid-round fails over") {
  network net{30, small(5, 1)};
  net.start();
  net.run(30);
  REQUIRE(net.completions.size() > 3);
  // The next aggregator leaves as soon as it holds two of the five models.
  round_t target = net.completions.back().first + 1;
  agent_id left = 0;
  net.run(1e9, [&] {
    for (auto& n : net.nodes)
      if (n.buffered(target) >= 2) {
        left = n.id();
        return true;
      }
    return false;
  });
  REQUIRE(net.nodes[left].buffered(target) >= 2);
  net.leave(left);
  net.run(net.now + 60);
  auto done = std::find_if(net.completions.begin(), net.completions.end(),
                           [&](auto& c) { return c.first == target; });
  REQUIRE(done != net.completions.end());
  CHECK(done->second != left);
  CHECK(net.completions.back().first > target + 5); // the pipeline goes on
  CHECK(lineage_is_clean(net));
  CHECK_FALSE(net.nodes[left].online());
}

TEST_CASE("plexus: models trained for a completed round are never averaged") {
  // sf = 0.6: three of five models complete a round; the other two arrive
  // for a round already aggregated.
  network net{30, small(5, 0.6)};
  for (agent_id i = 0; i < 30; i += 3)
    net.train_seconds[i] = 1.7; // some trainers lag
  net.start();
  net.run(300);
  std::uint64_t stale = 0;
  for (auto& n : net.nodes)
    stale += n.stale_models();
  CHECK(stale > 0);
  REQUIRE(net.completions.size() > 20);
  CHECK(lineage_is_clean(net));
}

TEST_CASE("plexus: a newer model cancels training in progress") {
  std::vector<bool> up(4, true);
  std::vector<double> bw(4, 0);
  options o = small(4, 1);
  node n{1, o, population(bw, up, 3)};
  effects fx;
  n.start(std::make_shared<vec>(vec::Zero(1)), fx);
  REQUIRE(fx.train); // all four agents are round 1's sample
  CHECK(n.training() == round_t{1});
  effects newer;
  n.receive({code(kind::aggregated), 2, 5, 0, false,
             std::make_shared<vec>(vec::Constant(1, 4)), view(4)},
            newer);
  CHECK(newer.cancel);
  REQUIRE(newer.train);
  CHECK(newer.train->first == 5);
  CHECK(n.round() == 5);
  effects late;
  n.trained(1, std::make_shared<vec>(vec::Zero(1)), late);
  CHECK(late.sends.empty()); // the stale result is never sent
  CHECK(n.training() == round_t{5});
  effects again;
  n.receive({code(kind::aggregated), 3, 5, 0, false,
             std::make_shared<vec>(vec::Constant(1, 4)), view(4)},
            again);
  CHECK_FALSE(again.train); // already training round 5
}

TEST_CASE("plexus: a joiner is held back until the next model send") {
  std::vector<bool> up(4, true);
  up[3] = false;
  std::vector<double> bw(4, 0);
  node n{0, small(2, 1), population(bw, up, 3)};
  effects fx;
  n.receive({code(kind::membership), 3, 0, 1, true, nullptr, {}}, fx);
  CHECK_FALSE(n.peers()[3].joined);
  n.receive({code(kind::aggregated), 1, 1, 0, false,
             std::make_shared<vec>(vec::Zero(1)), view(4)},
            fx);
  n.trained(1, std::make_shared<vec>(vec::Zero(1)), fx);
  CHECK_FALSE(n.peers()[3].joined); // still pinging for aggregators
  effects pong;
  for (auto& s : fx.sends)
    if (s.msg.what == code(kind::ping))
      n.receive({code(kind::pong), s.to, 1, s.msg.ref, false, nullptr, {}},
                pong);
  CHECK(n.peers()[3].joined); // merged when the model left
}

TEST_CASE("availability traces: format, errors, online counts") {
  testing::scratch_dir dir{"availability"};
  auto good = dir.write("a.csv", "agent,start,end\n"
                                 "0,0,100\n"
                                 "0,150,200\n"
                                 "# comment\n"
                                 "1,50,120\n"
                                 "2,0,10\n");
  churn_config c;
  c.kind = churn_kind::trace;
  c.trace = good.string();
  auto a = make_availability(c, 6, 300, 1);
  CHECK(a.churns());
  CHECK(a.online(0, 0));
  CHECK_FALSE(a.online(0, 100));
  CHECK(a.online(0, 199));
  CHECK(a.online(3, 199));         // agent 3 replays trace agent 0
  CHECK(a.online_count(5) == 4);   // 0, 2, 3, 5
  CHECK(a.online_count(60) == 4);  // 0, 1, 3, 4
  CHECK(a.online_count(130) == 0); // nobody
  using testing::contains;
  using testing::error_of;
  auto bad = [&](const std::string& text) {
    auto p = dir.write("bad.csv", text);
    return error_of([&] { read_availability(p.string(), "churn.trace"); });
  };
  CHECK(contains(bad("0,0,10\n0,5,20\n"), "bad.csv:2: field start"));
  CHECK(contains(bad("0,0,10\n1,x,20\n"), "bad.csv:2: field start 'x'"));
  CHECK(contains(bad("0,10,5\n"), "bad.csv:1: field end must be > start"));
  CHECK(contains(bad("-1,0,5\n"), "field agent"));
  CHECK(contains(bad("0,0\n"), "expected 3 fields"));
  CHECK(
    contains(error_of([] { read_availability("/nonexistent", "churn.trace"); }),
             "churn.trace: cannot read"));
}

// Found by fuzzing (tests/fuzz/corpus/availability_csv/crash-huge-id): one
// line naming agent 9999999 made the loader allocate 10 million agents.
TEST_CASE("availability traces hold only the agents they list") {
  testing::scratch_dir dir{"availability-ids"};
  auto sparse = dir.write("s.csv", "9999999,0,1\n3,5,6\n");
  auto trace = read_availability(sparse.string(), "churn.trace");
  CHECK(trace.ids == 10000000);
  CHECK(trace.online.size() == 2);
  churn_config c;
  c.kind = churn_kind::trace;
  c.trace = sparse.string();
  auto a = make_availability(c, 5, 10, 1);
  CHECK(a.online(3, 5.5));
  for (agent_id i : {0u, 1u, 2u, 4u})
    CHECK(a.intervals(i).empty()); // ids without lines: never online
  auto over = dir.write("o.csv", "10000001,0,1\n");
  CHECK(testing::contains(
    testing::error_of([&] { read_availability(over.string(), "churn.trace"); }),
    "o.csv:1: field agent must be an integer id in [0, 10000000]"));
}

TEST_CASE("synthetic churn: exponential on/off with the configured means") {
  churn_config c;
  c.kind = churn_kind::exponential;
  c.mean_online = 100;
  c.mean_offline = 50;
  auto a = make_availability(c, 400, 5000, 9);
  double up = 0;
  std::size_t periods = 0;
  for (agent_id i = 0; i < 400; ++i)
    for (auto& iv : a.intervals(i)) {
      up += std::min(iv.end, 5000.0) - iv.start;
      periods += iv.end < forever; // whole periods only
    }
  // Stationary online share 100 / 150.
  CHECK(up / (400 * 5000) == doctest::Approx(2.0 / 3).epsilon(0.05));
  CHECK(a.online(0, 1e9) == (a.intervals(0).back().end == forever));
  CHECK(up / static_cast<double>(periods) == doctest::Approx(100).epsilon(0.1));
  auto b = make_availability(c, 400, 5000, 9);
  CHECK(b.online_count(1234) == a.online_count(1234));
}

TEST_CASE("plexus on actors: online agents follow the availability trace") {
  testing::scratch_dir dir{"plexus-churn"};
  // Six trace devices for 24 agents (agent i replays device i mod 6); edges
  // fall between evaluation ticks.
  auto trace = dir.write("avail.csv", "agent,start,end\n"
                                      "0,0,1000\n"
                                      "1,0,35\n"
                                      "1,72,1000\n"
                                      "2,15,1000\n"
                                      "3,0,55\n"
                                      "3,95,133\n"
                                      "4,0,1000\n"
                                      "5,0,1000\n");
  auto cfg = plexus_config(
    dir.path(), {"churn.kind=trace", "churn.trace=\"" + trace.string() + "\""});
  auto out = run_experiment(cfg, false);
  REQUIRE(out.rows.size() == 21);
  auto expected = make_availability(cfg.churn, 24, 200, cfg.seed);
  for (auto& row : out.rows)
    CHECK(row.online_agents == expected.online_count(row.time_seconds));
  CHECK(out.rows[4].online_agents == 20); // t = 40: all devices but 1
  CHECK(out.rows.back().round > 20);      // rounds went on through churn
  CHECK(out.rows.back().test_accuracy > out.rows.front().test_accuracy + 0.3);
  // Training resources: the rows count every agent's minibatches so far.
  std::istringstream agents{testing::slurp(out.folder / "agents.csv")};
  std::string line;
  std::getline(agents, line);
  std::uint64_t steps = 0;
  while (std::getline(agents, line))
    steps += std::stoull(line.substr(line.find(',') + 1));
  CHECK(out.rows.back().local_steps == steps);
}

TEST_CASE("plexus on actors: same seed, same metrics at 1 and 2 threads, FL "
          "baseline runs") {
  testing::scratch_dir dir{"plexus-seed"};
  std::vector<std::string> churn{
    "churn.kind=exponential", "churn.mean_online=60", "churn.mean_offline=30"};
  // Contended links: the aggregator's fan-in and fan-out share them.
  auto contended = churn;
  contended.push_back("network.downlink=2e6");
  auto one = plexus_config(dir.path(), contended);
  one.run.threads = 1;
  auto a = run_experiment(one, false);
  auto b = run_experiment(plexus_config(dir.path(), contended), false);
  auto text = testing::slurp(a.folder / "metrics.csv");
  CHECK(text == testing::slurp(b.folder / "metrics.csv"));
  CHECK(testing::slurp(a.folder / "agents.csv") ==
        testing::slurp(b.folder / "agents.csv"));
  CHECK(a.rows.back().bytes_sent > 0);
  CHECK(a.rows.back().compute_seconds > 0);
  churn.push_back("algorithm.fixed_aggregator=true");
  auto fl = run_experiment(plexus_config(dir.path(), churn), false);
  CHECK(fl.rows.back().round > 20);
  CHECK(fl.rows.back().test_accuracy > fl.rows.front().test_accuracy + 0.3);
}

TEST_CASE("churn is refused for algorithms that do not model it") {
  auto why = testing::error_of([] {
    load_config("", {"algorithm.name=dpsgd", "churn.kind=exponential"});
  });
  CHECK(testing::contains(why, "churn.kind"));
}

TEST_CASE("experiments/plexus.toml: smoke size, every method of plexus.sh") {
  testing::scratch_dir dir{"plexus-smoke"};
  auto traces = testing::traces_dir();
  std::vector<std::string> common{"data.name=synthetic", "run.agents=30",
                                  "run.time_budget=60",
                                  "run.output=\"" + dir.path().string() + "\""};
  // The real traces when they are there; the config runs without them.
  if (std::filesystem::exists(traces + "latencies-227.csv")) {
    common.push_back("network.latency_trace=\"" + traces +
                     "latencies-227.csv\"");
    common.push_back("network.capacity=trace");
    common.push_back("network.capacity_trace=\"" + traces +
                     "flash-bandwidth-kbps.json\"");
  }
  std::vector<std::vector<std::string>> methods{
    {"algorithm.name=plexus", "algorithm.success_fraction=0.8"},
    {"algorithm.name=plexus", "algorithm.fixed_aggregator=true"},
    {"algorithm.name=dpsgd", "churn.kind=none", "topology.degree=4"},
    {"algorithm.name=dpsgd-periodic", "algorithm.period=5",
     "algorithm.local_steps=5", "topology.degree=4"},
    {"algorithm.name=gossip-learning", "algorithm.period=5",
     "topology.kind=complete"}};
  for (auto& m : methods) {
    auto sets = common;
    sets.insert(sets.end(), m.begin(), m.end());
    CAPTURE(m.front());
    auto out = run_experiment(
      load_config(MURMUR_SOURCE_DIR "/experiments/plexus.toml", sets), false);
    CHECK(out.rows.back().time_seconds >= 60);
    CHECK(out.rows.back().bytes_sent > 0);
    CHECK(out.rows.back().compute_seconds > 0);
    CHECK(out.rows.back().test_accuracy > out.rows.front().test_accuracy);
  }
}
