#pragma once

#include "core/algorithms/algorithm.hpp"
#include "core/base/schema.hpp"

#include <cstdint>
#include <vector>

namespace murmur {

/// The transfers of one round's outbox: box.wire when the algorithm named
/// them, else one per out-neighbour carrying its payload at its wire size.
std::vector<transfer> planned_transfers(const outbox& box,
                                        const neighbourhood& hood);

/// Bytes the transfers of one outbox put on the sender's uplink.
std::uint64_t transfer_bytes(const std::vector<transfer>& wire);

/// How an exact all-reduce over n agents is charged on the network.
///  - ring: reduce-scatter then all-gather around the ring 0 -> 1 -> ... ->
///    0 (Patarasuk & Yuan 2009, Horovod's and NCCL's ring): 2(n-1) chunks of
///    M/n, pipelined, so each agent sends and receives 2(n-1)/n M, as one
///    transfer to its successor paying 2(n-1) latencies;
///  - tree: reduce up and broadcast down the binary heap tree rooted at 0
///    (parent (i-1)/2), pipelined: M to the parent and M to each child,
///    every transfer paying the 2 x height latencies of the way up and down;
///  - direct: every agent sends its whole model to every other one.
enum class allreduce_pattern { ring, tree, direct };

inline const enum_names<allreduce_pattern>& names_of(allreduce_pattern) {
  static const enum_names<allreduce_pattern> n{
    {"ring", allreduce_pattern::ring},
    {"tree", allreduce_pattern::tree},
    {"direct", allreduce_pattern::direct}};
  return n;
}

/// The transfers agent `self` makes in one all-reduce of an M-byte payload
/// (`bytes`) among `self` and `out` (every other agent, ascending). Each of
/// its messages rides on one of them, so a receiver's round ends when the
/// collective has reached it. Empty for `direct`: an outbox without named
/// transfers sends one per receiver.
std::vector<transfer> allreduce_transfers(allreduce_pattern pattern,
                                          agent_id self,
                                          const std::vector<agent_id>& out,
                                          std::uint64_t bytes);

} // namespace murmur
