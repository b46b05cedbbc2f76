#include "experiments/cli/topology_command.hpp"

#include <cstdio>

namespace murmur {

namespace {

/// Beyond this size the all-pairs diameter and the dense eigensolver take
/// longer than anyone waits for a description.
constexpr std::size_t largest_measured = 4096;

std::string gap_text(const graph& g) {
  if (!g.is_undirected())
    return "n/a (directed)";
  if (g.size() > largest_measured)
    return "not computed above " + std::to_string(largest_measured) + " agents";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g",
                spectral_gap(g, metropolis_hastings(g)));
  return buf;
}

} // namespace

void describe_topology(std::size_t agents, std::uint64_t seed,
                       const topology_spec& spec, std::ostream& out) {
  auto t = make_topology(agents, seed, spec);
  out << "topology " << t.name << ", " << agents << " agents, "
      << t.phases.size() << (t.phases.size() == 1 ? " phase\n" : " phases\n");
  for (std::size_t p = 0; p < t.phases.size(); ++p) {
    auto& g = t.phases[p];
    bool connected = is_connected(g);
    char line[256];
    std::snprintf(
      line, sizeof line,
      "  %sdegree mean %.3f max %zu  diameter %s  spectral gap "
      "%s\n",
      t.phases.size() > 1 ? ("phase " + std::to_string(p) + ": ").c_str() : "",
      mean_degree(g), max_degree(g),
      !connected                    ? "inf (disconnected)"
      : g.size() > largest_measured ? "not computed"
                                    : std::to_string(diameter(g)).c_str(),
      gap_text(g).c_str());
    out << line;
  }
}

} // namespace murmur
