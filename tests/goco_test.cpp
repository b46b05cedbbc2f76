// GOCO (arXiv 2402.04193): the replicated data layout, the equivalence with
// D-PSGD without stragglers, the unbiasedness of the SGC-scaled step, actors
// against lock-step, and convergence on the quadratic.
#include "actors/runtime.hpp"
#include "core/algorithms/goco.hpp"
#include "core/data/partition.hpp"
#include "core/run/lockstep.hpp"
#include "tests/problems.hpp"

#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

using namespace murmur;

namespace {

using testing::contains;
using testing::error_of;

using testing::quadratic_optimum;
constexpr auto dim = testing::quadratic_dim;

/// The quadratic of tests/problems.hpp, but agent i's shard is the union of
/// the d centres coding_assignment gives it (centre i is base partition i).
/// The coded step (the default) then takes one centre from each partition:
/// the exact gradient of the union's mean loss; algorithm.compute = equal
/// draws `batch` of the d centres from the union.
std::unique_ptr<experiment>
replicated_quadratic(std::size_t agents, round_t rounds, std::size_t d,
                     std::size_t batch, std::vector<std::string> sets) {
  sets.push_back("partition.replication=" + std::to_string(d));
  auto exp = testing::quadratic_experiment(agents, rounds, std::move(sets));
  partition base;
  for (std::size_t i = 0; i < agents; ++i)
    base.shards.push_back({i});
  dataset centres;
  centres.features = testing::quadratic_centres(agents);
  centres.labels.assign(agents, 0);
  centres.num_classes = 1;
  exp->train =
    make_sharded(centres, replicate(base, d, replica_assignment::cyclic, 0));
  exp->cfg.run.batch_size = batch;
  return exp;
}

std::vector<std::string> goco_sets(double p, double lr,
                                   const std::string& scaling = "sgc") {
  return {"algorithm.name=goco", "algorithm.p=" + std::to_string(p),
          "algorithm.scaling=" + scaling, "optimizer.lr=" + std::to_string(lr)};
}

vec mean_model(const lockstep& loop, std::size_t agents) {
  vec mean = vec::Zero(dim);
  for (agent_id i = 0; i < agents; ++i)
    mean += loop.agent(i).x();
  return mean / static_cast<float>(agents);
}

using last_row = testing::row_recorder;

std::vector<int> copies_per_sample(const partition& p, std::size_t n) {
  std::vector<int> seen(n, 0);
  for (auto& shard : p.shards)
    for (auto i : shard)
      ++seen.at(i);
  return seen;
}

std::vector<std::int32_t> some_labels(std::size_t n) {
  std::vector<std::int32_t> labels(n);
  for (std::size_t i = 0; i < n; ++i)
    labels[i] = static_cast<std::int32_t>(i % 3);
  return labels;
}

} // namespace

TEST_CASE("replication: d = 1 keeps the base partition, d = 2 doubles it") {
  std::size_t n = 8;
  auto labels = some_labels(101);
  partition_spec spec; // iid
  auto base = registry<partitioner>::get("iid", "").make(
    labels, 3, n, spec, derive_seed(7, stream::partition));
  for (auto assignment :
       {replica_assignment::cyclic, replica_assignment::random}) {
    CAPTURE(to_string(assignment));
    spec.assignment = assignment;
    spec.replication = 1;
    CHECK(make_partition(labels, 3, n, spec, 7).shards == base.shards);

    spec.replication = 2;
    auto twice = make_partition(labels, 3, n, spec, 7);
    auto seen = copies_per_sample(twice, labels.size());
    CHECK(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 2; }));
    auto rows =
      coding_assignment(n, 2, assignment, derive_seed(7, stream::partition, 1));
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(i);
      REQUIRE(rows[i].size() == 2);
      CHECK(rows[i][0] == i); // its own base partition first
      if (assignment == replica_assignment::cyclic)
        CHECK(rows[i][1] == (i + 1) % n);
      auto want = base.shards[rows[i][0]];
      auto& other = base.shards[rows[i][1]];
      want.insert(want.end(), other.begin(), other.end());
      CHECK(twice.shards[i] == want);
    }
  }
}

TEST_CASE("replication: every assignment is balanced (row and column sums d)") {
  for (auto assignment :
       {replica_assignment::cyclic, replica_assignment::random})
    for (std::size_t n : {1, 5, 12})
      for (std::size_t d = 1; d <= n; d += 2) {
        CAPTURE(to_string(assignment));
        CAPTURE(n);
        CAPTURE(d);
        auto rows = coding_assignment(n, d, assignment, 3);
        std::vector<std::size_t> column(n, 0);
        for (std::size_t i = 0; i < n; ++i) {
          REQUIRE(rows[i].size() == d);
          CHECK(rows[i][0] == i);
          auto sorted = rows[i];
          std::sort(sorted.begin(), sorted.end());
          CHECK(std::adjacent_find(sorted.begin(), sorted.end()) ==
                sorted.end()); // d distinct partitions
          for (auto j : rows[i])
            ++column.at(j);
        }
        CHECK(std::all_of(column.begin(), column.end(),
                          [d](std::size_t c) { return c == d; }));
      }
  // The random design depends on its seed and is not the cyclic one.
  auto cyclic = coding_assignment(12, 3, replica_assignment::cyclic, 3);
  auto a = coding_assignment(12, 3, replica_assignment::random, 3);
  CHECK(a == coding_assignment(12, 3, replica_assignment::random, 3));
  CHECK(a != coding_assignment(12, 3, replica_assignment::random, 4));
  CHECK(a != cyclic);
}

TEST_CASE("replication: config keys, sharded copies and input errors") {
  auto cfg = load_config(
    "", {"data.name=synthetic", "run.agents=4", "data.synthetic.train_size=200",
         "partition.replication=3", "partition.assignment=random"});
  auto exp = build_experiment(cfg);
  CHECK(exp->train.offsets.back() == 600);
  CHECK(exp->train.agents() == 4);

  auto labels = some_labels(50);
  partition_spec spec;
  spec.replication = 5;
  auto msg = error_of([&] { make_partition(labels, 3, 4, spec, 1); });
  CHECK(msg.find("partition.replication") != std::string::npos);
  spec.replication = 0;
  msg = error_of([&] { make_partition(labels, 3, 4, spec, 1); });
  CHECK(msg.find("partition.replication") != std::string::npos);
  spec.replication = 2;
  msg = error_of([&] { load_config("", {"partition.assignment=latin"}); });
  CHECK(msg.find("partition.assignment") != std::string::npos);
  msg = error_of([] { load_config("", {"partition.assignment=latin"}); });
  CHECK(msg.find("partition.assignment") != std::string::npos);
  msg = error_of([] {
    load_config("", {"algorithm.name=goco", "algorithm.p=1"});
  });
  CHECK(msg.find("algorithm.p") != std::string::npos);
}

namespace {

/// The models of 6 agents after 30 lock-step rounds on a synthetic set with
/// Dirichlet skew, momentum 0.9 and batch 8, under `sets` (algorithm, lr...).
std::vector<vec> models_after_30_rounds(std::vector<std::string> sets) {
  for (const char* s :
       {"data.name=synthetic", "run.agents=6", "data.synthetic.train_size=300",
        "run.batch_size=8", "optimizer.momentum=0.9",
        "partition.kind=dirichlet", "partition.alpha=0.5"})
    sets.push_back(s);
  auto exp = build_experiment(load_config("", sets));
  lockstep loop{*exp};
  while (loop.rounds_done() < 30)
    loop.run_round();
  std::vector<vec> models;
  for (agent_id i = 0; i < 6; ++i)
    models.push_back(loop.agent(i).x());
  return models;
}

} // namespace

TEST_CASE("GOCO with p = 0 and d = 1 is D-PSGD, bit for bit") {
  auto run = [](const std::string& algorithm) {
    return models_after_30_rounds(
      {"optimizer.lr=0.2", "algorithm.name=" + algorithm});
  };
  auto dpsgd = run("dpsgd");
  auto goco = run("goco");
  for (agent_id i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK((goco[i].array() == dpsgd[i].array()).all());
    CHECK(goco[i].norm() > 0); // the models moved
  }
}

TEST_CASE("GOCO with d = 1 and a known p is skipping at lr / (1 - p)") {
  // With one partition per agent the coded step x + u / (1 - p) is the
  // plain skipping baseline (scaling = none) run at lr / (1 - p): the same
  // coins, the same gradients, an update linear in lr (momentum included).
  // Comparing the two at one shared lr therefore compares two step sizes.
  auto run = [](double p, double lr, const std::string& scaling) {
    std::ostringstream exact; // all digits: to_string keeps only six
    exact << std::setprecision(17) << lr;
    return models_after_30_rounds(
      {"optimizer.lr=" + exact.str(), "algorithm.name=goco",
       "algorithm.p=" + std::to_string(p), "algorithm.scaling=" + scaling});
  };
  SUBCASE("p = 0.5: a factor of 2 is exact in floating point, bit for bit") {
    auto coded = run(0.5, 0.05, "sgc");
    auto skipping = run(0.5, 0.1, "none");
    auto same_lr = run(0.5, 0.05, "none");
    for (agent_id i = 0; i < 6; ++i) {
      CAPTURE(i);
      CHECK((coded[i].array() == skipping[i].array()).all());
      CHECK((coded[i] - same_lr[i]).norm() > 1e-3 * coded[i].norm());
    }
  }
  SUBCASE("p = 0.3: equal up to float rounding") {
    auto coded = run(0.3, 0.05, "sgc");
    auto skipping = run(0.3, 0.05 / 0.7, "none");
    for (agent_id i = 0; i < 6; ++i) {
      CAPTURE(i);
      CHECK((coded[i] - skipping[i]).norm() < 1e-4 * coded[i].norm());
    }
  }
}

TEST_CASE("the SGC-scaled step is unbiased for the full gradient") {
  // N = 4, d = 2 cyclic, p = 0.3, lr = 1, no momentum: a non-straggler moves
  // by -e_i = -(1/(1-p)) grad of the mean loss over its 2 centres. At a
  // common x0, mean over M draws of (1/N) sum_i s_i e_i against grad F(x0) =
  // x0 - optimum. Per draw s_i/(1-p) has variance p/(1-p) = 0.43, so the
  // relative error of the mean is about sqrt(0.43 / (N M)) = 0.003 for
  // M = 12000; the tolerance 0.02 is ~6 sigma. Without rescaling the mean is
  // (1-p) grad F: 30% short.
  std::size_t n = 4;
  std::size_t draws = 12000;
  double p = 0.3;
  vec x0 = vec::Constant(dim, 1.0f);
  vec full = x0 - quadratic_optimum(n);
  for (std::string scaling : {"sgc", "none"}) {
    CAPTURE(scaling);
    auto exp = replicated_quadratic(n, 10, 2, 1, goco_sets(p, 1.0, scaling));
    std::vector<agent_slot> slots;
    for (agent_id i = 0; i < n; ++i)
      slots.push_back(make_agent(*exp, i));
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(dim);
    for (std::size_t k = 0; k < draws; ++k)
      for (agent_id i = 0; i < n; ++i) {
        auto& [ctx, algo] = slots[i];
        ctx.writable_model() = x0;
        algo->before_send(ctx, k, exp->hood(i, k));
        sum -= (ctx.x() - x0).cast<double>();
      }
    Eigen::VectorXd mean = sum / static_cast<double>(n * draws);
    Eigen::VectorXd want = full.cast<double>();
    if (scaling == "none")
      want *= 1 - p;
    CHECK((mean - want).norm() < 0.02 * want.norm());
    bool matches_full =
      (mean - full.cast<double>()).norm() < 0.02 * full.norm();
    CHECK(matches_full == (scaling == "sgc"));
    for (agent_id i = 0; i < n; ++i) {
      auto& algo = dynamic_cast<const goco&>(*slots[i].algo);
      auto share = static_cast<double>(algo.straggled()) / draws;
      CHECK(share == doctest::Approx(p).epsilon(0.02 / p));
      // Two minibatches (one per partition) in each step taken.
      CHECK(algo.straggled() + slots[i].ctx.steps() / 2 == draws);
    }
  }
}

TEST_CASE("online p estimate: starts at no rescaling, tends to 1/(1-p)") {
  auto sets = goco_sets(0.3, 0.1);
  sets.push_back("algorithm.p_estimate=online");
  auto exp = replicated_quadratic(4, 10, 2, 2, sets);
  auto slot = make_agent(*exp, 0);
  auto& algo = dynamic_cast<const goco&>(*slot.algo);
  CHECK(algo.scale() == 1);
  for (round_t k = 0; k < 5000; ++k)
    slot.algo->before_send(slot.ctx, k, exp->hood(0, k));
  CHECK(algo.scale() > 1.35);
  CHECK(algo.scale() < 1.5);
  CHECK(algo.scale() ==
        doctest::Approx(
          1 / (1 - static_cast<double>(algo.straggled()) / (5000 + 10))));
}

TEST_CASE("GOCO: actor runtime and lock-step loop agree (p = 0.3, d = 2)") {
  auto a = replicated_quadratic(4, 60, 2, 1, goco_sets(0.3, 0.1));
  last_row actor_rows;
  run_actors(*a, actor_rows, 2);
  auto b = replicated_quadratic(4, 60, 2, 1, goco_sets(0.3, 0.1));
  lockstep loop{*b};
  while (loop.rounds_done() < 60)
    loop.run_round();
  auto reports = loop.reports();
  auto ref = evaluate_round(*b, 60, reports);
  REQUIRE(actor_rows.rows.size() == 2);
  auto& got = actor_rows.rows.back();
  CHECK(got.round == 60);
  CHECK(got.test_loss == ref.test_loss);
  CHECK(got.consensus_distance == ref.consensus_distance);
  CHECK(got.train_loss == ref.train_loss);
  CHECK(got.bytes_sent == ref.bytes_sent);
  // Stragglers skipped steps (2 minibatches each) but still sent every
  // round.
  std::uint64_t steps = 0;
  for (agent_id i = 0; i < 4; ++i)
    steps += loop.agent(i).steps();
  CHECK(steps % 2 == 0);
  CHECK(steps < 4 * 60 * 2);
  CHECK(got.bytes_sent ==
        4 * 2 * 60 * wire_bytes(payload{std::make_shared<vec>(dim)}));
}

TEST_CASE("GOCO with p = 0.3 and d = 2 converges on the quadratic") {
  // Straggler noise keeps x-bar fluctuating by O(sqrt(lr)) around the
  // optimum, so lr decays in steps 0.05 -> 5e-5. Over seeds 1..8 the final
  // error of the average model was 0.003..0.028, against 2.25 at x0 = 0.
  std::size_t n = 6;
  round_t rounds = 20000;
  vec optimum = quadratic_optimum(n);
  auto sets = goco_sets(0.3, 0.05);
  sets.push_back("optimizer.schedule=step");
  sets.push_back("optimizer.milestones=[0.05, 0.2, 0.45]");
  auto exp = replicated_quadratic(n, rounds, 2, 1, sets);
  lockstep loop{*exp};
  while (loop.rounds_done() < rounds)
    loop.run_round();
  auto mean = mean_model(loop, n);
  CAPTURE((mean - optimum).norm());
  CHECK(optimum.norm() > 2); // x0 = 0 starts far away
  CHECK((mean - optimum).norm() < 0.05);
  for (agent_id i = 0; i < n; ++i)
    CHECK((loop.agent(i).x() - optimum).norm() < 0.06);
}

TEST_CASE("GOCO deadline stragglers: who misses follows the time model") {
  // Step 0.1 s plus an Exp(mean 0.05 s) delay against a 0.15 s deadline:
  // P(miss) = exp(-0.05 / 0.05) = e^-1 = 0.368 per agent and round. Over
  // 4 x 3000 rounds the share's standard error is 0.004; tolerance 0.02.
  // The equal-compute step (one minibatch per round) keeps the compute at
  // 0.1 s; the coded step's two would always miss 0.15 s (tested below).
  auto sets = goco_sets(std::exp(-1.0), 0.05);
  for (const char* s :
       {"algorithm.compute=equal", "algorithm.straggler=deadline",
        "algorithm.deadline=0.15", "cost.step_seconds=0.1",
        "stragglers.delay=exponential", "stragglers.delay_mean=0.05"})
    sets.push_back(s);
  auto exp = replicated_quadratic(4, 3000, 2, 1, sets);
  lockstep loop{*exp};
  while (loop.rounds_done() < 3000)
    loop.run_round();
  std::uint64_t steps = 0;
  for (agent_id i = 0; i < 4; ++i)
    steps += loop.agent(i).steps();
  double missed = 1 - static_cast<double>(steps) / (4 * 3000);
  CHECK(missed == doctest::Approx(std::exp(-1.0)).epsilon(0.02 / 0.368));

  SUBCASE("the actors on the virtual clock miss the same steps") {
    sets.push_back("clock.kind=virtual");
    auto a = replicated_quadratic(4, 80, 2, 1, sets);
    last_row rows;
    run_actors(*a, rows, 2);
    auto b = replicated_quadratic(4, 80, 2, 1, sets);
    lockstep ref{*b};
    while (ref.rounds_done() < 80)
      ref.run_round();
    auto want = evaluate_round(*b, 80, ref.reports());
    auto& got = rows.rows.back();
    CHECK(got.test_loss == want.test_loss);
    CHECK(got.consensus_distance == want.consensus_distance);
    // Nobody waits past the deadline: every round lasts at most 0.15 s.
    CHECK(got.time_seconds <= 80 * 0.15 + 1e-9);
    CHECK(got.time_seconds > 80 * 0.1);
  }
}

TEST_CASE("GOCO deadline: a 10x straggler no longer sets the round time") {
  // Agent 0 needs 10 x 0.1 s per step. With a 0.15 s deadline it misses
  // every round and is charged 0.15 s, so its neighbours wait 0.15 s for its
  // (unchanged) model instead of 1 s; the others step every round.
  auto sets = goco_sets(0, 0.1, "none");
  for (const char* s :
       {"algorithm.straggler=deadline", "algorithm.deadline=0.15",
        "cost.step_seconds=0.1", "stragglers.agents=[0]",
        "stragglers.slowdown=10", "clock.kind=virtual"})
    sets.push_back(s);
  auto exp = replicated_quadratic(8, 20, 1, 1, sets);
  last_row run;
  run_actors(*exp, run, 2);
  CHECK(run.rows.back().time_seconds == doctest::Approx(20 * 0.15));
  REQUIRE(run.agents.size() == 8);
  CHECK(run.agents[0].steps == 0);
  CHECK(run.agents[0].busy_seconds == doctest::Approx(20 * 0.15));
  for (agent_id i = 1; i < 8; ++i)
    CHECK(run.agents[i].steps == 20);
}

TEST_CASE("GOCO deadline options are checked together") {
  auto bad = [](std::vector<std::string> sets) {
    sets.push_back("algorithm.name=goco");
    return error_of([&] { load_config("", sets); });
  };
  CHECK(contains(bad({"algorithm.straggler=deadline"}),
                 "algorithm.deadline: must be > 0"));
  CHECK(contains(bad({"algorithm.deadline=0.2"}),
                 "only used with straggler = \"deadline\""));
  CHECK(
    contains(bad({"algorithm.straggler=deadline", "algorithm.deadline=0.2"}),
             "algorithm.p: with straggler = \"deadline\""));
  CHECK(bad({"algorithm.straggler=deadline", "algorithm.deadline=0.2",
             "algorithm.p_estimate=online"})
          .empty());
}

TEST_CASE("GOCO's coded step: one minibatch per partition, averaged") {
  // N = 4, d = 2 cyclic (agent i holds centres i and i+1), p = 0, lr = 1, no
  // momentum, batch 1, the loss 0.5 |x - c|^2: from x0 the coded step lands
  // on the mean of the agent's two centres, exactly; the equal-compute step
  // (one sample from the union) on one of the two centres.
  std::size_t n = 4;
  auto centres = testing::quadratic_centres(n);
  vec x0 = vec::Constant(dim, 1.0f);
  for (std::string compute : {"coded", "equal"}) {
    CAPTURE(compute);
    auto sets = goco_sets(0, 1.0);
    sets.push_back("algorithm.compute=" + compute);
    auto exp = replicated_quadratic(n, 10, 2, 1, sets);
    for (agent_id i = 0; i < n; ++i) {
      CAPTURE(i);
      auto slot = make_agent(*exp, i);
      unsigned minibatches = compute == "coded" ? 2 : 1;
      CHECK(slot.algo->gradients_in_round(0) == minibatches);
      for (round_t k = 0; k < 6; ++k) {
        slot.ctx.writable_model() = x0;
        slot.algo->before_send(slot.ctx, k, exp->hood(i, k));
        vec a = centres.row(static_cast<Eigen::Index>(i)).transpose();
        vec b = centres.row(static_cast<Eigen::Index>((i + 1) % n)).transpose();
        vec mean = (a + b) / 2;
        if (compute == "coded")
          CHECK((slot.ctx.x() - mean).norm() < 1e-6f);
        else
          CHECK(std::min((slot.ctx.x() - a).norm(), (slot.ctx.x() - b).norm()) <
                1e-6f);
      }
      CHECK(slot.ctx.steps() == 6 * minibatches);
    }
  }
}

TEST_CASE("GOCO's coded step is charged d minibatches of compute") {
  // Step 0.1 s, d = 2, no random delay: a coded round computes for 0.2 s, so
  // a 0.15 s deadline is missed by every agent every round and a 0.25 s one
  // by none; the equal-compute step (0.1 s) meets both.
  auto minibatches = [](const std::string& compute, double deadline) {
    auto sets = goco_sets(0.1, 0.05);
    for (std::string s : std::vector<std::string>{
           "algorithm.straggler=deadline", "cost.step_seconds=0.1",
           "algorithm.compute=" + compute,
           "algorithm.deadline=" + std::to_string(deadline)})
      sets.push_back(s);
    auto exp = replicated_quadratic(4, 50, 2, 1, sets);
    lockstep loop{*exp};
    while (loop.rounds_done() < 50)
      loop.run_round();
    std::uint64_t steps = 0; // a missed round computes no step
    for (agent_id i = 0; i < 4; ++i)
      steps += loop.agent(i).steps();
    return steps;
  };
  CHECK(minibatches("coded", 0.15) == 0);
  CHECK(minibatches("coded", 0.25) == 4 * 50 * 2);
  CHECK(minibatches("equal", 0.15) == 4 * 50);
}

TEST_CASE("replication: each partition's stream walks only its own rows") {
  // Agent 0 holds pieces of 3 and 5 rows (labels 0 and 1): over many epochs
  // piece 0 hands out only label-0 rows, piece 1 only label-1 rows, and
  // reshuffling one never moves the other's rows.
  dataset data;
  data.features.resize(8, 2);
  for (Eigen::Index r = 0; r < 8; ++r)
    data.features.row(r) << static_cast<float>(r), 0.0f;
  data.labels = {0, 0, 0, 1, 1, 1, 1, 1};
  data.num_classes = 2;
  partition parts;
  parts.shards = {{0, 1, 2, 3, 4, 5, 6, 7}};
  parts.pieces = {{3, 5}};
  auto sharded = make_sharded(data, parts);
  batch_stream first{sharded, 0, 0, 2, 11};
  batch_stream second{sharded, 0, 1, 2, 12};
  std::vector<int> seen(8, 0);
  for (int k = 0; k < 200; ++k) {
    for (auto [stream, label] : {std::pair{&first, 0}, std::pair{&second, 1}}) {
      auto b = stream->next();
      REQUIRE(b.rows == 2);
      for (std::size_t r = 0; r < b.rows; ++r) {
        CHECK(b.label(r) == label);
        ++seen.at(static_cast<std::size_t>(
          matrix_rows(b).x()(static_cast<Eigen::Index>(r), 0)));
      }
    }
  }
  for (int r = 0; r < 8; ++r)
    CHECK(seen[static_cast<std::size_t>(r)] > 0); // every row came up
  CHECK(contains(error_of([&] {
                   batch_stream{sharded, 0, 2, 2, 1};
                 }),
                 "piece 2 of only 2"));
}
