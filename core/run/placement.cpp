#include "core/run/placement.hpp"

#include "topologies/partition.hpp"

#include <algorithm>
#include <numeric>
#include <set>

namespace murmur {

namespace {

std::vector<std::size_t> host_indices(const experiment& exp) {
  auto& h = exp.cfg.hosts;
  auto agents = exp.agents();
  auto hosts = h.list.size();
  switch (h.placement) {
    case placement_kind::round_robin: {
      std::vector<std::size_t> where(agents);
      for (std::size_t i = 0; i < agents; ++i)
        where[i] = i % hosts;
      return where;
    }
    case placement_kind::explicit_list:
      return {h.assignment.begin(), h.assignment.end()};
    case placement_kind::graph: return partition_graph(exp.comm.phases, hosts);
    case placement_kind::blocks: break;
  }
  return block_partition(agents, hosts);
}

} // namespace

std::string placement::describe() const {
  return std::to_string(cut_edges) + " of " + std::to_string(edges) +
         " graph edges join different hosts";
}

placement place_agents(const experiment& exp) {
  placement p;
  p.host_of = host_indices(exp);
  p.hosted.resize(exp.cfg.hosts.list.size());
  for (agent_id i = 0; i < exp.agents(); ++i)
    p.hosted[p.host_of[i]].push_back(i);
  p.cut_edges = cut_edges(exp.comm.phases, p.host_of);
  // With every agent alone, every edge is cut.
  std::vector<std::size_t> alone(exp.agents());
  std::iota(alone.begin(), alone.end(), 0);
  p.edges = cut_edges(exp.comm.phases, alone);
  std::vector<std::set<std::size_t>> linked(p.hosted.size());
  for (auto& g : exp.comm.phases)
    for (std::size_t i = 0; i < g.size(); ++i)
      for (auto j : g.out[i]) {
        auto a = p.host_of[i];
        auto b = p.host_of[j];
        if (a != b)
          linked[std::min(a, b)].insert(std::max(a, b));
      }
  for (auto& hosts : linked)
    p.linked.emplace_back(hosts.begin(), hosts.end());
  return p;
}

} // namespace murmur
