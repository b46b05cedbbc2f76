#include "core/base/error.hpp"
#include "core/base/registry.hpp"
#include "core/data/partition.hpp"

#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace murmur;

namespace {

using testing::contains;
using testing::error_of;

using labels_t = std::vector<std::int32_t>;

// Balanced labels, 0..classes-1 repeated; partitioners shuffle anyway.
labels_t cyclic_labels(std::size_t n, int classes) {
  labels_t out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::int32_t>(i % static_cast<std::size_t>(classes));
  return out;
}

partition_spec spec_of(const std::string& kind) {
  partition_spec spec;
  spec.kind = kind;
  spec.shuffled_fraction = 0.5; // so that unshuffled depends on the seed
  return spec;
}

// Every index in [0, n) appears in exactly one shard.
void check_exact_cover(const partition& p, std::size_t n) {
  std::vector<int> seen(n, 0);
  for (auto& shard : p.shards)
    for (auto i : shard) {
      REQUIRE(i < n);
      ++seen[i];
    }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int k) { return k == 1; }));
}

std::set<std::int32_t> classes_of(const std::vector<std::size_t>& shard,
                                  const labels_t& labels) {
  std::set<std::int32_t> out;
  for (auto i : shard)
    out.insert(labels[i]);
  return out;
}

// Mean over agents of the largest share one class has in the agent's shard.
double mean_max_share(const partition& p, const labels_t& labels, int classes) {
  double total = 0;
  for (auto& shard : p.shards) {
    std::vector<double> count(static_cast<std::size_t>(classes), 0);
    for (auto i : shard)
      ++count[static_cast<std::size_t>(labels[i])];
    total += *std::max_element(count.begin(), count.end()) /
             static_cast<double>(shard.size());
  }
  return total / static_cast<double>(p.shards.size());
}

} // namespace

TEST_CASE("the partitioner registry holds exactly the known kinds") {
  std::vector<std::string> want{"dirichlet", "iid", "shards", "unshuffled"};
  CHECK(registry<partitioner>::names() == want);
}

TEST_CASE("partition input errors name the field") {
  auto labels = cyclic_labels(100, 10);
  auto spec = spec_of("iid");
  auto msg = error_of([&] { make_partition(labels, 10, 0, spec, 1); });
  CHECK(contains(msg, "run.agents: must be >= 1"));
  msg = error_of([&] { make_partition(labels, 10, 101, spec, 1); });
  CHECK(contains(msg, "run.agents"));
  CHECK(contains(msg, "100"));
  spec.alpha = 0;
  msg = error_of([&] { make_partition(labels, 10, 4, spec, 1); });
  CHECK(contains(msg, "partition.alpha: must be > 0"));
  spec = spec_of("metis");
  msg = error_of([&] { make_partition(labels, 10, 4, spec, 1); });
  CHECK(contains(msg, "partition.kind"));
  CHECK(contains(msg, "dirichlet"));
  msg = error_of([&] { make_partition(labels, 5, 4, spec_of("iid"), 1); });
  CHECK(contains(msg, "label"));
  spec = spec_of("shards");
  spec.classes_per_agent = 0;
  msg = error_of([&] { make_partition(labels, 10, 4, spec, 1); });
  CHECK(contains(msg, "partition.classes_per_agent"));
  spec = spec_of("unshuffled");
  spec.shuffled_fraction = 1.5;
  msg = error_of([&] { make_partition(labels, 10, 4, spec, 1); });
  CHECK(contains(msg, "partition.shuffled_fraction"));
}

TEST_CASE("every partitioner covers each sample exactly once") {
  auto labels = cyclic_labels(3000, 10);
  for (auto kind : {"iid", "dirichlet", "shards", "unshuffled"})
    for (std::size_t agents : {1, 7, 16, 25}) {
      CAPTURE(kind);
      CAPTURE(agents);
      auto p = make_partition(labels, 10, agents, spec_of(kind), 5);
      CHECK(p.shards.size() == agents);
      check_exact_cover(p, labels.size());
    }
}

TEST_CASE("partitions are deterministic for a seed") {
  auto labels = cyclic_labels(2000, 10);
  for (auto kind : {"iid", "dirichlet", "shards", "unshuffled"}) {
    CAPTURE(kind);
    auto spec = spec_of(kind);
    auto a = make_partition(labels, 10, 8, spec, 11);
    auto b = make_partition(labels, 10, 8, spec, 11);
    auto c = make_partition(labels, 10, 8, spec, 12);
    CHECK(a.shards == b.shards);
    CHECK(a.shards != c.shards);
  }
}

TEST_CASE("iid shards are near-equal and shuffled") {
  auto labels = cyclic_labels(1003, 10);
  auto p = make_partition(labels, 10, 4, spec_of("iid"), 3);
  CHECK_FALSE(p.sequential);
  for (auto& shard : p.shards) {
    CHECK(shard.size() >= 250);
    CHECK(shard.size() <= 251);
    CHECK_FALSE(std::is_sorted(shard.begin(), shard.end()));
  }
}

TEST_CASE("dirichlet skew grows as alpha shrinks") {
  auto labels = cyclic_labels(60000, 10);
  auto skew = [&](const std::string& kind, double alpha) {
    auto spec = spec_of(kind);
    spec.alpha = alpha;
    return mean_max_share(make_partition(labels, 10, 16, spec, 7), labels, 10);
  };
  auto extreme = skew("dirichlet", 0.01);
  auto strong = skew("dirichlet", 0.1);
  auto mild = skew("dirichlet", 1);
  auto iid = skew("iid", 1);
  CHECK(extreme > strong);
  CHECK(strong > mild);
  CHECK(mild > iid);
  CHECK(iid < 0.15);
  CHECK(extreme > 0.7);
}

TEST_CASE("dirichlet follows RelaySGD's groups of ten") {
  auto labels = cyclic_labels(60000, 10);
  for (double alpha : {0.01, 0.1, 1.0}) {
    CAPTURE(alpha);
    auto spec = spec_of("dirichlet");
    spec.alpha = alpha;
    auto p = make_partition(labels, 10, 16, spec, 9);
    check_exact_cover(p, labels.size());
    // First group: agents 0-9 own int(10/16 * 60000) = 37500 samples; the
    // second group of six takes the other 22500.
    std::size_t first = 0;
    for (std::size_t a = 0; a < 10; ++a)
      first += p.shards[a].size();
    CHECK(first == 37500);
    // Minimum of half a fair share: 37500 / 20 and 22500 / 12.
    for (auto& shard : p.shards)
      CHECK(shard.size() >= 1875);
  }
}

TEST_CASE("dirichlet gives up with a hint when alpha cannot be met") {
  auto labels = cyclic_labels(1000, 2);
  auto spec = spec_of("dirichlet");
  spec.alpha = 1e-4;
  auto msg = error_of([&] { make_partition(labels, 2, 10, spec, 1); });
  CHECK(contains(msg, "partition.alpha"));
  CHECK(contains(msg, "raise"));
}

TEST_CASE("shards give each agent at most classes_per_agent classes") {
  // 10 agents x 2 shards over 10 balanced classes: each shard is one class.
  auto sorted_labels = cyclic_labels(60000, 10);
  std::sort(sorted_labels.begin(), sorted_labels.end());
  auto spec = spec_of("shards");
  spec.classes_per_agent = 2;
  auto p = make_partition(sorted_labels, 10, 10, spec, 4);
  std::set<std::set<std::int32_t>> combos;
  for (auto& shard : p.shards) {
    CHECK(shard.size() == 6000);
    auto classes = classes_of(shard, sorted_labels);
    CHECK(classes.size() <= 2);
    combos.insert(classes);
  }
  CHECK(combos.size() > 1); // shards were dealt at random
  // When shards straddle class borders an agent sees at most 2 per shard.
  spec.classes_per_agent = 3;
  p = make_partition(sorted_labels, 10, 7, spec, 4);
  for (auto& shard : p.shards)
    CHECK(classes_of(shard, sorted_labels).size() <= 6);
}

TEST_CASE("partition.walk = in-order walks any kind's shards as stored") {
  auto labels = cyclic_labels(1000, 10);
  for (auto kind : {"iid", "dirichlet", "shards", "unshuffled"}) {
    CAPTURE(kind);
    auto spec = spec_of(kind);
    CHECK_FALSE(make_partition(labels, 10, 7, spec, 2).sequential);
    spec.walk = sample_walk::in_order;
    auto p = make_partition(labels, 10, 7, spec, 2);
    CHECK(p.sequential);
    spec.walk = sample_walk::shuffled;
    CHECK(p.shards == make_partition(labels, 10, 7, spec, 2).shards);
  }
}

TEST_CASE("unshuffled with fraction 0 is label-sorted across agents") {
  auto labels = cyclic_labels(1000, 10);
  auto spec = spec_of("unshuffled");
  spec.shuffled_fraction = 0;
  auto p = make_partition(labels, 10, 7, spec, 2);
  CHECK_FALSE(p.sequential); // sampled like any shard (the DeTAG paper's)
  std::int32_t last = 0;
  for (auto& shard : p.shards)
    for (auto i : shard) {
      CHECK(labels[i] >= last);
      last = labels[i];
    }
  CHECK(p.shards == make_partition(labels, 10, 7, spec, 3).shards);
  spec.shuffled_fraction = 1;
  p = make_partition(labels, 10, 7, spec, 2);
  for (auto& shard : p.shards)
    CHECK(classes_of(shard, labels).size() > 5);
}
