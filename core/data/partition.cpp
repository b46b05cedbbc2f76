#include "core/data/partition.hpp"

#include "core/base/error.hpp"
#include "core/base/registry.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace murmur {

namespace {

void validate(const std::vector<std::int32_t>& labels, int num_classes,
              std::size_t agents, const partition_spec& spec) {
  if (agents < 1)
    throw input_error("run.agents: must be >= 1");
  if (agents > labels.size())
    throw input_error("run.agents: " + std::to_string(agents) +
                      " agents but only " + std::to_string(labels.size()) +
                      " training samples; use at most " +
                      std::to_string(labels.size()) + " agents");
  if (!(spec.alpha > 0))
    throw input_error("partition.alpha: must be > 0 (e.g. 0.1)");
  if (spec.replication < 1 ||
      static_cast<std::size_t>(spec.replication) > agents)
    throw input_error("partition.replication: must be in [1, run.agents = " +
                      std::to_string(agents) + "], got " +
                      std::to_string(spec.replication));
  if (num_classes < 1)
    throw input_error("partition: the data set has no classes");
  // Partitioners bucket by label; an out-of-range one would be dropped.
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= num_classes)
      throw input_error("partition: label " + std::to_string(labels[i]) +
                        " of sample " + std::to_string(i) + " is outside [0, " +
                        std::to_string(num_classes) + ")");
}

} // namespace

partition make_partition(const std::vector<std::int32_t>& labels,
                         int num_classes, std::size_t agents,
                         const partition_spec& spec, std::uint64_t seed) {
  auto& entry = registry<partitioner>::get(spec.kind, "partition.kind");
  validate(labels, num_classes, agents, spec);
  auto base = entry.make(labels, num_classes, agents, spec,
                         derive_seed(seed, stream::partition));
  base.sequential = spec.walk == sample_walk::in_order;
  return replicate(base, static_cast<std::size_t>(spec.replication),
                   spec.assignment, derive_seed(seed, stream::partition, 1));
}

const schema<partition_spec>& partition_schema() {
  static const auto s = [] {
    using C = partition_spec;
    schema<C> s;
    s.add<std::string>(
      "partition.kind", [](C& c) -> std::string& { return c.kind; },
      "how training data is split: " + registry<partitioner>::joined_names());
    s.add<double>(
      "partition.alpha", [](C& c) -> double& { return c.alpha; },
      "dirichlet: concentration (smaller = more skewed)", positive());
    s.add<int>(
      "partition.classes_per_agent",
      [](C& c) -> int& { return c.classes_per_agent; },
      "shards: label shards per agent", at_least(1));
    s.add<double>(
      "partition.shuffled_fraction",
      [](C& c) -> double& { return c.shuffled_fraction; },
      "unshuffled: share of the label-sorted set shuffled before splitting",
      in_range(0, 1));
    s.add<int>(
      "partition.replication", [](C& c) -> int& { return c.replication; },
      "agents holding each base partition (gradient coding's d, at most "
      "run.agents): agent i's shard is the union of d of the kind's "
      "partitions",
      at_least(1));
    s.add<sample_walk>(
      "partition.walk", [](C& c) -> sample_walk& { return c.walk; },
      "how each agent walks its shard: shuffled (a seeded permutation every "
      "epoch) or in-order (as stored, never reshuffled)");
    s.add<replica_assignment>(
      "partition.assignment",
      [](C& c) -> replica_assignment& { return c.assignment; },
      "replication > 1: which d partitions agent i holds: cyclic (i, i+1, "
      "..., i+d-1 mod agents) or random (a seeded balanced design, i's own "
      "plus d-1)");
    return s;
  }();
  return s;
}

std::vector<std::size_t> shuffled_indices(std::size_t n, rng& gen) {
  std::vector<std::size_t> result(n);
  std::iota(result.begin(), result.end(), std::size_t{0});
  std::shuffle(result.begin(), result.end(), gen);
  return result;
}

std::vector<std::size_t>
sorted_by_label(const std::vector<std::int32_t>& labels) {
  std::vector<std::size_t> result(labels.size());
  std::iota(result.begin(), result.end(), std::size_t{0});
  std::stable_sort(
    result.begin(), result.end(),
    [&](std::size_t a, std::size_t b) { return labels[a] < labels[b]; });
  return result;
}

std::vector<std::vector<std::size_t>>
split_evenly(const std::vector<std::size_t>& order, std::size_t agents) {
  std::vector<std::vector<std::size_t>> result(agents);
  auto n = order.size();
  for (std::size_t a = 0; a < agents; ++a)
    result[a].assign(order.begin() + a * n / agents,
                     order.begin() + (a + 1) * n / agents);
  return result;
}

} // namespace murmur
