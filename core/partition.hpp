#pragma once

#include "core/rng.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

struct partition_spec {
  std::string kind = "iid";     ///< a name in the partitioner registry
  double alpha = 1.0;           ///< dirichlet concentration (> 0)
  int classes_per_agent = 2;    ///< shards: distinct label shards per agent
  double shuffled_fraction = 0; ///< unshuffled: share of the sorted set
                                ///< shuffled before splitting (DeTAG)
};

/// Which training samples each agent holds, and how it walks them.
struct partition {
  std::vector<std::vector<std::size_t>> shards; ///< per agent, sample indices
  bool sequential = false; ///< walk shards in stored order, never reshuffle
};

/// A partitioner maps labels to shards, deterministically for a seed.
using partitioner = partition (*)(const std::vector<std::int32_t>& labels,
                                  int num_classes, std::size_t agents,
                                  const partition_spec& spec,
                                  std::uint64_t seed);

/// Looks the kind up in the registry and runs it; throws input_error for an
/// unknown kind, alpha <= 0, more agents than samples, etc. `seed` is the
/// master seed: the partitioner receives derive_seed(seed, stream::partition).
/// Every index of `labels` lands in exactly one shard.
partition make_partition(const std::vector<std::int32_t>& labels,
                         int num_classes, std::size_t agents,
                         const partition_spec& spec, std::uint64_t seed);

// -- building blocks shared by the partitioners -------------------------------

/// 0, 1, ..., n-1 in a random order (Fisher-Yates driven by `gen`).
std::vector<std::size_t> shuffled_indices(std::size_t n, rng& gen);

/// 0, 1, ..., n-1 stably sorted by label.
std::vector<std::size_t>
sorted_by_label(const std::vector<std::int32_t>& labels);

/// Cuts `order` into `agents` contiguous chunks whose sizes differ by at most
/// one (the first chunks are the smaller ones).
std::vector<std::vector<std::size_t>>
split_evenly(const std::vector<std::size_t>& order, std::size_t agents);

} // namespace murmur
