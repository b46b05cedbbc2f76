#include "core/base/registry.hpp"
#include "core/data/partition.hpp"

namespace murmur {

namespace {

partition partition_iid(const std::vector<std::int32_t>& labels, int,
                        std::size_t agents, const partition_spec&,
                        std::uint64_t seed) {
  rng gen{seed};
  return {
    split_evenly(shuffled_indices(labels.size(), gen), agents), false, {}};
}

const bool registered = registry<partitioner>::add(
  "iid", &partition_iid,
  "uniformly shuffled samples, split into near-equal chunks");

} // namespace

} // namespace murmur
