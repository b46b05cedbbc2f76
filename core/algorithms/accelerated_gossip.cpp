#include "core/algorithms/accelerated_gossip.hpp"

#include "core/algorithms/mixing_ops.hpp"

#include <algorithm>
#include <cmath>

namespace murmur {

void ag_extrapolate(vec& next, const vec& prev, double eta) {
  next = static_cast<float>(1 + eta) * next - static_cast<float>(eta) * prev;
}

double ag_momentum(double lambda) {
  double root = std::sqrt(1 - lambda * lambda);
  return (1 - root) / (1 + root);
}

int ag_rounds(std::size_t n, double lambda) {
  double r = 0.5 * std::log(static_cast<double>(n)) / std::sqrt(1 - lambda);
  return std::max(1, static_cast<int>(r));
}

double mixing_lambda(const topology& t, const std::string& algorithm_name) {
  double lambda = 0;
  for (auto& g : t.phases) {
    if (!g.is_undirected())
      throw input_error("topology.kind: " + algorithm_name +
                        " needs symmetric mixing, but the '" + t.name +
                        "' graph is directed; pick an undirected topology");
    lambda = std::max(lambda, 1 - spectral_gap(g, metropolis_hastings(g)));
  }
  return lambda;
}

} // namespace murmur
