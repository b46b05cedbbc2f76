// Data replication for gradient coding (GOCO, arXiv 2402.04193): the base
// partitioner's n shards become the columns of a balanced 0/1 assignment
// matrix A (row and column sums d), and agent i's shard is the union of the
// base shards j with A_ij = 1. make_sharded copies rows per shard, so each
// replica is the holder's own copy and per-agent shuffling stays race-free.
#include "core/base/error.hpp"
#include "core/data/partition.hpp"

#include <algorithm>
#include <numeric>
#include <string>

namespace murmur {

std::vector<std::vector<std::size_t>>
coding_assignment(std::size_t n, std::size_t d, replica_assignment assignment,
                  std::uint64_t seed) {
  if (d < 1 || d > n)
    throw input_error("partition.replication: must be in [1, " +
                      std::to_string(n) + "], got " + std::to_string(d));
  std::vector<std::size_t> shifts(d);
  std::iota(shifts.begin(), shifts.end(), std::size_t{0});
  std::vector<std::size_t> slot(n); // pi: agent -> position on the cycle
  std::iota(slot.begin(), slot.end(), std::size_t{0});
  if (assignment == replica_assignment::random) {
    rng gen{seed};
    auto others = shuffled_indices(n - 1, gen);
    for (std::size_t k = 1; k < d; ++k)
      shifts[k] = others[k - 1] + 1;
    std::sort(shifts.begin(), shifts.end());
    slot = shuffled_indices(n, gen);
  }
  std::vector<std::size_t> at(n); // pi^-1
  for (std::size_t i = 0; i < n; ++i)
    at[slot[i]] = i;
  std::vector<std::vector<std::size_t>> rows(n);
  for (std::size_t i = 0; i < n; ++i)
    for (auto s : shifts)
      rows[i].push_back(at[(slot[i] + s) % n]);
  return rows;
}

partition replicate(partition base, std::size_t d,
                    replica_assignment assignment, std::uint64_t seed) {
  auto n = base.shards.size();
  auto rows = coding_assignment(n, d, assignment, seed);
  if (d == 1)
    return base;
  partition result;
  result.sequential = base.sequential;
  result.shards.resize(n);
  result.pieces.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    for (auto j : rows[i]) {
      result.shards[i].insert(result.shards[i].end(), base.shards[j].begin(),
                              base.shards[j].end());
      result.pieces[i].push_back(base.shards[j].size());
    }
  return result;
}

} // namespace murmur
