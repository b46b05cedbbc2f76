#include "core/data/partition.hpp"

#include "core/base/error.hpp"
#include "core/base/registry.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace murmur {

namespace {

// McMahan et al.'s pathological non-IID split: label-sorted shards dealt out
// at random, so an agent sees only a few classes.
partition partition_shards(const std::vector<std::int32_t>& labels, int,
                           std::size_t agents, const partition_spec& spec,
                           std::uint64_t seed) {
  if (spec.classes_per_agent < 1)
    throw input_error("partition.classes_per_agent: must be >= 1");
  auto per_agent = static_cast<std::size_t>(spec.classes_per_agent);
  auto count = agents * per_agent;
  if (count > labels.size())
    throw input_error("partition.classes_per_agent: " + std::to_string(count) +
                      " shards for " + std::to_string(labels.size()) +
                      " samples; lower it or use fewer agents");
  auto pieces = split_evenly(sorted_by_label(labels), count);
  std::vector<std::size_t> deal(count);
  std::iota(deal.begin(), deal.end(), std::size_t{0});
  rng gen{seed};
  std::shuffle(deal.begin(), deal.end(), gen);
  partition result{std::vector<std::vector<std::size_t>>(agents), false, {}};
  for (std::size_t s = 0; s < count; ++s) {
    auto& shard = result.shards[s / per_agent];
    auto& piece = pieces[deal[s]];
    shard.insert(shard.end(), piece.begin(), piece.end());
  }
  return result;
}

const bool registered = registry<partitioner>::add(
  "shards", &partition_shards,
  "FedAvg pathological split: each agent gets classes_per_agent random "
  "label-sorted shards");

} // namespace

} // namespace murmur
