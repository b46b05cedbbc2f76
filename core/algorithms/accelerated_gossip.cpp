#include "core/algorithms/accelerated_gossip.hpp"

#include "core/mixing_ops.hpp"

#include <algorithm>
#include <cmath>

namespace murmur {

namespace {

bool any_lost(const inbox& in) {
  return std::any_of(in.begin(), in.end(),
                     [](const received& r) { return !r.msg.data; });
}

} // namespace

void mix_received(vec& out, const vec& self, const mixing_row& w,
                  const inbox& in) {
  if (!any_lost(in)) {
    mix_into(out, self, w, in);
    return;
  }
  out.noalias() = static_cast<float>(w.self) * self;
  double total = w.self;
  for (std::size_t k = 0; k < in.size(); ++k)
    if (in[k].msg.data) {
      out.noalias() += static_cast<float>(w.weights[k]) * *in[k].msg.data;
      total += w.weights[k];
    }
  out *= static_cast<float>(1 / total);
}

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
