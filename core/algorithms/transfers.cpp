#include "core/algorithms/transfers.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace murmur {

namespace {

std::uint32_t position(const std::vector<agent_id>& out, agent_id j) {
  return static_cast<std::uint32_t>(
    std::lower_bound(out.begin(), out.end(), j) - out.begin());
}

/// Positions of every out-neighbour but those in `skip`.
std::vector<std::uint32_t> all_but(const std::vector<agent_id>& out,
                                   const std::vector<agent_id>& skip) {
  std::vector<std::uint32_t> pos;
  for (std::uint32_t p = 0; p < out.size(); ++p)
    if (std::find(skip.begin(), skip.end(), out[p]) == skip.end())
      pos.push_back(p);
  return pos;
}

std::vector<transfer> ring(agent_id self, const std::vector<agent_id>& out,
                           std::uint64_t bytes) {
  auto n = static_cast<std::uint64_t>(out.size() + 1);
  auto next = static_cast<agent_id>((self + 1) % n);
  transfer t;
  t.to = next;
  t.bytes = static_cast<std::uint64_t>(std::llround(
    2.0 * static_cast<double>((n - 1) * bytes) / static_cast<double>(n)));
  t.hops = static_cast<std::uint32_t>(2 * (n - 1));
  t.carries.resize(out.size());
  std::iota(t.carries.begin(), t.carries.end(), 0u);
  return {std::move(t)};
}

std::vector<transfer> tree(agent_id self, const std::vector<agent_id>& out,
                           std::uint64_t bytes) {
  auto n = out.size() + 1;
  std::uint32_t height = 0;
  while ((std::size_t{2} << height) - 1 < n)
    ++height;
  std::vector<agent_id> children;
  for (auto c : {2 * self + 1, 2 * self + 2})
    if (c < n)
      children.push_back(c);
  std::vector<transfer> wire;
  auto hops = 2 * height;
  // Down to each child, carrying our message to it; the rest of our
  // messages ride up to the parent (the root's on its first child's).
  for (auto c : children)
    wire.push_back({c, bytes, hops, {position(out, c)}});
  auto rest = all_but(out, children);
  if (self != 0)
    wire.push_back({(self - 1) / 2, bytes, hops, std::move(rest)});
  else if (!wire.empty())
    wire.front().carries.insert(wire.front().carries.end(), rest.begin(),
                                rest.end());
  return wire;
}

} // namespace

std::vector<transfer> planned_transfers(const outbox& box,
                                        const neighbourhood& hood) {
  if (!box.wire.empty())
    return box.wire;
  auto& out = *hood.out;
  std::vector<transfer> wire(out.size());
  for (std::uint32_t p = 0; p < out.size(); ++p) {
    wire[p].to = out[p];
    wire[p].bytes = wire_bytes(box.items[box.per_neighbour ? p : 0]);
    wire[p].carries = {p};
  }
  return wire;
}

std::uint64_t transfer_bytes(const std::vector<transfer>& wire) {
  std::uint64_t sum = 0;
  for (auto& t : wire)
    sum += t.bytes;
  return sum;
}

std::vector<transfer> allreduce_transfers(allreduce_pattern pattern,
                                          agent_id self,
                                          const std::vector<agent_id>& out,
                                          std::uint64_t bytes) {
  if (out.empty() || pattern == allreduce_pattern::direct)
    return {}; // planned_transfers' default: one per receiver
  return pattern == allreduce_pattern::ring ? ring(self, out, bytes)
                                            : tree(self, out, bytes);
}

} // namespace murmur
