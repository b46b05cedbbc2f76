#pragma once

#include "core/base/rng.hpp"
#include "core/base/schema.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

/// Which d base partitions each agent holds under replication.
enum class replica_assignment { cyclic, random };

inline const enum_names<replica_assignment>& names_of(replica_assignment) {
  static const enum_names<replica_assignment> n{
    {"cyclic", replica_assignment::cyclic},
    {"random", replica_assignment::random}};
  return n;
}

/// How an agent walks its shard: a fresh seeded permutation every epoch, or
/// in stored order, never reshuffled (a skew in time on top of the skew
/// across agents; with it, seeds no longer change the samples).
enum class sample_walk { shuffled, in_order };

inline const enum_names<sample_walk>& names_of(sample_walk) {
  static const enum_names<sample_walk> n{{"shuffled", sample_walk::shuffled},
                                         {"in-order", sample_walk::in_order}};
  return n;
}

struct partition_spec {
  std::string kind = "iid";     ///< a name in the partitioner registry
  double alpha = 1.0;           ///< dirichlet concentration (> 0)
  int classes_per_agent = 2;    ///< shards: distinct label shards per agent
  double shuffled_fraction = 0; ///< unshuffled: share of the sorted set
                                ///< shuffled before splitting (DeTAG)
  int replication = 1; ///< agents holding each base partition (GOCO's d)
  replica_assignment assignment = replica_assignment::cyclic;
  sample_walk walk = sample_walk::shuffled;
};

/// The partition.* keys.
const schema<partition_spec>& partition_schema();

/// Which training samples each agent holds, and how it walks them.
struct partition {
  std::vector<std::vector<std::size_t>> shards; ///< per agent, sample indices
  bool sequential = false; ///< walk shards in stored order, never reshuffle
  /// Under replication, per agent the sizes of the base partitions its shard
  /// concatenates, in order (GOCO's coded step samples each one apart);
  /// empty without replication.
  std::vector<std::vector<std::size_t>> pieces;
};

/// A partitioner maps labels to shards, deterministically for a seed.
using partitioner = partition (*)(const std::vector<std::int32_t>& labels,
                                  int num_classes, std::size_t agents,
                                  const partition_spec& spec,
                                  std::uint64_t seed);

/// Looks the kind up in the registry and runs it; throws input_error for an
/// unknown kind, alpha <= 0, more agents than samples, etc. `seed` is the
/// master seed: the partitioner receives derive_seed(seed, stream::partition).
/// The kind's partitioner makes one base partition per agent; with
/// spec.replication = d > 1 each agent's shard is then the union of d of them
/// (see replicate). Every index of `labels` lands in exactly d shards.
partition make_partition(const std::vector<std::int32_t>& labels,
                         int num_classes, std::size_t agents,
                         const partition_spec& spec, std::uint64_t seed);

/// Gradient coding's assignment (GOCO, arXiv 2402.04193): for each of `n`
/// agents, the d base partitions it holds, its own partition i first. Balanced:
/// every agent holds d partitions and every partition sits on d agents.
///   cyclic: i, i+1, ..., i+d-1 (mod n).
///   random: a circulant design relabelled at random, drawn from `seed`:
///           shifts S = {0} plus d-1 distinct values of 1..n-1, a permutation
///           pi of the agents, and agent i holds pi^-1((pi(i) + s) mod n) for
///           s in S (ascending).
/// Throws input_error naming partition.replication / partition.assignment.
std::vector<std::vector<std::size_t>>
coding_assignment(std::size_t n, std::size_t d, replica_assignment assignment,
                  std::uint64_t seed);

/// Agent i's shard = the concatenation of the base shards that
/// coding_assignment gives it, in that order. d = 1 returns `base` unchanged
/// (whatever the assignment), so unreplicated runs are untouched.
partition replicate(partition base, std::size_t d,
                    replica_assignment assignment, std::uint64_t seed);

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
