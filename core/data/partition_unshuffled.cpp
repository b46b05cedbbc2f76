#include "core/data/partition.hpp"

#include "core/base/error.hpp"
#include "core/base/registry.hpp"

#include <algorithm>
#include <cmath>

namespace murmur {

namespace {

// DeTAG's heterogeneity knob (Lu & De Sa, ICML 2021): the label-sorted set
// with only a prefix shuffled, split contiguously, so fraction 0 is fully
// sorted and fraction 1 is IID. Agents sample their shard like any other
// (partition.walk = "in-order" walks it as stored instead).
partition partition_unshuffled(const std::vector<std::int32_t>& labels, int,
                               std::size_t agents, const partition_spec& spec,
                               std::uint64_t seed) {
  auto fraction = spec.shuffled_fraction;
  if (!(fraction >= 0 && fraction <= 1))
    throw input_error("partition.shuffled_fraction: must be in [0, 1]");
  auto order = sorted_by_label(labels);
  auto prefix = static_cast<std::size_t>(
    std::floor(fraction * static_cast<double>(order.size())));
  rng gen{seed};
  std::shuffle(order.begin(), order.begin() + prefix, gen);
  return {split_evenly(order, agents), false, {}};
}

const bool registered = registry<partitioner>::add(
  "unshuffled", &partition_unshuffled,
  "DeTAG: label-sorted, first shuffled_fraction shuffled, contiguous "
  "split");

} // namespace

} // namespace murmur
