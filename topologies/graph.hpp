#pragma once

#include "core/base/types.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace murmur {

/// A communication graph on agents 0..n-1, directed in general (one-peer
/// exponential graphs and wireless neighbourhoods are); an undirected graph
/// has in[i] == out[i]. Neighbour lists are sorted and never contain i.
struct graph {
  std::vector<std::vector<agent_id>> in;  ///< in[i]: agents i receives from
  std::vector<std::vector<agent_id>> out; ///< out[i]: agents i sends to

  std::size_t size() const { return in.size(); }
  bool is_undirected() const { return in == out; }
};

/// Builds an undirected graph from an edge list (duplicates and self loops
/// ignored).
graph undirected_graph(std::size_t n,
                       const std::vector<std::pair<agent_id, agent_id>>& edges);

/// Builds a directed graph from (sender, receiver) pairs (duplicates and self
/// loops ignored). Throws std::out_of_range for an endpoint >= n.
graph directed_graph(std::size_t n,
                     const std::vector<std::pair<agent_id, agent_id>>& edges);

/// Row i of a mixing matrix W:
///   x_i <- self * x_i + sum_k weights[k] * x_{in[i][k]}.
struct mixing_row {
  double self = 1;
  std::vector<double> weights; ///< aligned with graph.in[i]
};
using mixing = std::vector<mixing_row>;

/// Metropolis-Hastings weights W_ij = 1/(max(deg_i, deg_j) + 1) on an
/// undirected graph (symmetric, doubly stochastic; 1/3 everywhere on a ring).
/// Throws std::invalid_argument for a directed graph.
mixing metropolis_hastings(const graph& g);

/// Uniform row-stochastic weights 1/(in-degree + 1) over self and
/// in-neighbours (doubly stochastic when all in- and out-degrees are equal,
/// as in each one-peer exponential phase).
mixing uniform_weights(const graph& g);

/// W as a dense matrix (tests, spectra).
Eigen::MatrixXd dense(const graph& g, const mixing& w);

/// 1 - max(|lambda_2|, |lambda_n|) of a symmetric W (the quantity DeTAG and
/// D-PSGD bounds use). Throws std::invalid_argument if W is not symmetric.
double spectral_gap(const graph& g, const mixing& w);

bool is_connected(const graph& g); ///< strongly connected for directed graphs
std::size_t diameter(const graph& g); ///< hop diameter; throws if disconnected
std::size_t max_degree(const graph& g); ///< largest out-degree
double mean_degree(const graph& g);     ///< mean out-degree

} // namespace murmur
