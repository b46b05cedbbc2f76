#pragma once

#include "topologies/graph.hpp"

#include <cstddef>
#include <vector>

namespace murmur {

/// Part sizes of a balanced split of `n` vertices into `parts`: the first
/// (n mod parts) parts hold one more.
std::vector<std::size_t> balanced_sizes(std::size_t n, std::size_t parts);

/// Contiguous blocks of vertex ids with balanced_sizes (0..k-1 in part 0,
/// ...): the best split of rings and chains, whose edges join consecutive
/// ids.
std::vector<std::size_t> block_partition(std::size_t n, std::size_t parts);

/// Undirected edges {u, v} of `phases` (any direction, any phase) whose
/// endpoints lie in different parts.
std::size_t cut_edges(const std::vector<graph>& phases,
                      const std::vector<std::size_t>& part);

/// Splits the vertices of `phases` (a topology's graphs, read as one
/// undirected graph) into `parts` parts of balanced_sizes with few cut
/// edges: contiguous blocks, or parts grown breadth-first one beside the
/// other and refined by passes of boundary vertex swaps between two parts
/// (Kernighan and Lin, 1970), whichever cuts fewer. Deterministic: the same
/// graphs give the same parts.
std::vector<std::size_t> partition_graph(const std::vector<graph>& phases,
                                         std::size_t parts);

} // namespace murmur
