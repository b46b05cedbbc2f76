#include "topologies/topology.hpp"

#include "core/base/error.hpp"
#include "core/base/registry.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>

using namespace murmur;

namespace {

const std::vector<std::size_t> sizes = {1, 2, 3, 5, 8, 12, 16, 30, 64};

topology make(const std::string& kind, std::size_t n, std::uint64_t seed = 7) {
  topology_spec spec;
  spec.kind = kind;
  spec.probability = 0.5; // connected within the redraw cap even for n = 2
  return make_topology(n, seed, spec);
}

std::size_t edge_count(const graph& g) {
  std::size_t total = 0;
  for (const auto& list : g.out)
    total += list.size();
  return g.is_undirected() ? total / 2 : total;
}

bool has_edge(const graph& g, std::size_t i, std::size_t j) {
  const auto& out = g.out[i];
  return std::binary_search(out.begin(), out.end(), j);
}

std::vector<agent_id> list(std::initializer_list<agent_id> ids) {
  return ids;
}

/// Sorted, loop-free lists with j in out[i] iff i in in[j].
void check_well_formed(const graph& g, std::size_t n) {
  REQUIRE(g.in.size() == n);
  REQUIRE(g.out.size() == n);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto* lst : {&g.in[i], &g.out[i]}) {
      CHECK(std::is_sorted(lst->begin(), lst->end()));
      CHECK(std::adjacent_find(lst->begin(), lst->end()) == lst->end());
      CHECK(std::find(lst->begin(), lst->end(), i) == lst->end());
    }
  for (std::size_t i = 0; i < n; ++i) {
    for (auto j : g.out[i])
      CHECK(std::binary_search(g.in[j].begin(), g.in[j].end(), i));
    for (auto j : g.in[i])
      CHECK(std::binary_search(g.out[j].begin(), g.out[j].end(), i));
  }
}

// Plain loops rather than Eigen reductions and products: with -march=native
// those trip a false GCC 12 -Wmaybe-uninitialized in the AVX-512 intrinsics.

double max_abs_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  double result = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      result = std::max(result, std::abs(a(i, j) - b(i, j)));
  return result;
}

Eigen::MatrixXd multiply(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd result = Eigen::MatrixXd::Zero(a.rows(), b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index k = 0; k < a.cols(); ++k)
      for (Eigen::Index j = 0; j < b.cols(); ++j)
        result(i, j) += a(i, k) * b(k, j);
  return result;
}

Eigen::MatrixXd averaging(std::size_t n) {
  auto size = static_cast<Eigen::Index>(n);
  return Eigen::MatrixXd::Constant(size, size, 1.0 / n);
}

/// All phases of one period overlaid: what has to be connected for a
/// time-varying topology to mix (a single one-peer phase is not).
graph period_union(const topology& t) {
  std::vector<std::pair<agent_id, agent_id>> edges;
  for (const auto& g : t.phases)
    for (std::size_t i = 0; i < g.size(); ++i)
      for (auto j : g.out[i])
        edges.emplace_back(static_cast<agent_id>(i), j);
  return directed_graph(t.size(), edges);
}

bool is_power_of_two(std::size_t n) {
  return (n & (n - 1)) == 0;
}

/// Combinations that must be refused with an input_error instead.
bool is_prime(std::size_t n) {
  for (std::size_t d = 2; d * d <= n; ++d)
    if (n % d == 0)
      return false;
  return n > 1;
}

bool invalid_combination(const std::string& kind, std::size_t n) {
  return (kind == "hypercube" && !is_power_of_two(n)) ||
         (kind == "random-regular" && n > 1 && n <= 4) || // degree 4 >= n
         (kind == "torus" && n > 3 && is_prime(n));       // no grid: a ring
}

} // namespace

TEST_CASE("registry holds exactly the expected topology names") {
  auto names = registry<topology_factory>::names();
  std::vector<std::string> expected = {"binary-tree",
                                       "chain",
                                       "complete",
                                       "erdos-renyi",
                                       "exponential",
                                       "hypercube",
                                       "one-peer-exponential",
                                       "random-geometric",
                                       "random-regular",
                                       "ring",
                                       "star",
                                       "torus"};
  std::sort(expected.begin(), expected.end());
  CHECK(names == expected);
}

TEST_CASE("every topology is well formed and connected for several sizes") {
  for (const auto& kind : registry<topology_factory>::names())
    for (auto n : sizes) {
      CAPTURE(kind);
      CAPTURE(n);
      if (invalid_combination(kind, n)) {
        CHECK_THROWS_AS(make(kind, n), input_error);
        continue;
      }
      auto t = make(kind, n);
      CHECK(t.name == kind);
      CHECK(t.size() == n);
      REQUIRE_FALSE(t.phases.empty());
      for (const auto& g : t.phases)
        check_well_formed(g, n);
      CHECK(is_connected(period_union(t)));
      if (!t.time_varying())
        CHECK(t.at(0).is_undirected());
      if (n == 1)
        CHECK(t.phases.front().out[0].empty());
    }
}

TEST_CASE("make_topology rejects bad kinds and agent counts") {
  CHECK_THROWS_AS(make("ring", 0), input_error);
  CHECK_THROWS_WITH(make("ring", 0), doctest::Contains("run.agents"));
  CHECK_THROWS_AS(make("no-such-graph", 8), input_error);
  CHECK_THROWS_WITH(make("no-such-graph", 8),
                    doctest::Contains("topology.kind"));
  CHECK_THROWS_WITH(make("hypercube", 12), doctest::Contains("run.agents"));
}

TEST_CASE("metropolis-hastings weights are symmetric and stochastic") {
  for (auto kind : {"ring", "star", "torus", "exponential", "binary-tree",
                    "random-geometric"}) {
    CAPTURE(kind);
    auto g = make(kind, 30).at(0);
    auto w = dense(g, metropolis_hastings(g));
    Eigen::MatrixXd wt = w.transpose();
    CHECK(max_abs_diff(w, wt) == 0);
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      double sum = 0;
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        CHECK(w(i, j) >= 0);
        sum += w(i, j);
      }
      CHECK(std::abs(sum - 1) < 1e-12);
    }
  }
}

TEST_CASE("metropolis-hastings on a ring is 1/3 everywhere") {
  auto g = make("ring", 10).at(0);
  auto w = metropolis_hastings(g);
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(w[i].self == doctest::Approx(1.0 / 3).epsilon(1e-15));
    REQUIRE(w[i].weights.size() == 2);
    for (auto x : w[i].weights)
      CHECK(x == 1.0 / 3);
  }
}

TEST_CASE("ring spectral gap matches the closed form") {
  const double pi = std::acos(-1.0);
  for (std::size_t n : {3, 4, 5, 8, 11, 16, 25, 64}) {
    CAPTURE(n);
    auto g = make("ring", n).at(0);
    auto lambda = [&](std::size_t k) {
      return std::abs(1.0 / 3 + 2.0 / 3 * std::cos(2 * pi * k / n));
    };
    auto expected = 1 - std::max(lambda(1), lambda(n / 2));
    CHECK(std::abs(spectral_gap(g, metropolis_hastings(g)) - expected) < 1e-9);
  }
}

TEST_CASE("complete graph with metropolis-hastings averages in one step") {
  for (std::size_t n : {2, 5, 16}) {
    auto g = make("complete", n).at(0);
    auto w = metropolis_hastings(g);
    CHECK(max_abs_diff(dense(g, w), averaging(n)) < 1e-15);
    CHECK(spectral_gap(g, w) == doctest::Approx(1).epsilon(1e-12));
    CHECK(diameter(g) == 1);
  }
}

TEST_CASE("spectral_gap refuses an asymmetric matrix") {
  auto g = make("star", 6).at(0);
  CHECK_THROWS_AS(spectral_gap(g, uniform_weights(g)), std::invalid_argument);
}

TEST_CASE("hypercube has degree and diameter log2 n") {
  for (std::size_t dim = 1; dim <= 6; ++dim) {
    auto n = std::size_t{1} << dim;
    auto g = make("hypercube", n).at(0);
    CHECK(max_degree(g) == dim);
    CHECK(mean_degree(g) == dim);
    CHECK(diameter(g) == dim);
  }
}

TEST_CASE("torus has degree 4 and diameter rows/2 + cols/2") {
  struct shape {
    std::size_t n;
    int rows;
    std::size_t diam;
  };
  for (auto s : {shape{16, 0, 4}, shape{12, 0, 3}, shape{30, 0, 5},
                 shape{30, 3, 6}, shape{64, 0, 8}}) {
    CAPTURE(s.n);
    CAPTURE(s.rows);
    topology_spec spec;
    spec.kind = "torus";
    spec.rows = s.rows;
    auto g = make_topology(s.n, 1, spec).at(0);
    CHECK(max_degree(g) == 4);
    CHECK(mean_degree(g) == 4);
    CHECK(diameter(g) == s.diam);
  }
  topology_spec bad;
  bad.kind = "torus";
  bad.rows = 5;
  CHECK_THROWS_WITH(make_topology(12, 1, bad),
                    doctest::Contains("topology.rows"));
}

TEST_CASE("chain has diameter n-1 and star diameter 2") {
  for (std::size_t n : {2, 5, 17}) {
    CHECK(diameter(make("chain", n).at(0)) == n - 1);
    CHECK(diameter(make("star", n).at(0)) == std::min<std::size_t>(n - 1, 2));
    CHECK(edge_count(chain_tree(n)) == n - 1);
  }
}

TEST_CASE("static exponential graph links i to i +- 2^k") {
  auto g = make("exponential", 16).at(0);
  CHECK(g.out[0] == list({1, 2, 4, 8, 12, 14, 15}));
  CHECK(max_degree(g) == 7);
  CHECK(diameter(g) == 2);
}

TEST_CASE("binary tree follows the RelaySGD numbering") {
  auto t = binary_tree(16);
  CHECK(t.out[0] == list({1}));
  CHECK(t.out[1] == list({0, 2, 3}));
  CHECK(t.out[7] == list({3, 14, 15}));
  CHECK(t.out[15] == list({7}));
  for (std::size_t n : {1, 2, 7, 16, 33}) {
    auto tree = binary_tree(n);
    CHECK(edge_count(tree) == n - 1);
    CHECK(is_connected(tree));
    CHECK(tree.is_undirected());
  }
}

TEST_CASE("mirrored binary tree relabels k to n-1-k") {
  for (std::size_t n : {2, 9, 16}) {
    auto tree = binary_tree(n);
    auto mirror = mirrored_binary_tree(n);
    CHECK(edge_count(mirror) == n - 1);
    CHECK(is_connected(mirror));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        CHECK(has_edge(tree, i, j) == has_edge(mirror, n - 1 - i, n - 1 - j));
  }
  CHECK(mirrored_binary_tree(16).out[15] == list({14}));
}

TEST_CASE("bfs spanning tree is a connected spanning subgraph") {
  for (auto kind : {"ring", "torus", "random-geometric"}) {
    CAPTURE(kind);
    auto g = make(kind, 30).at(0);
    auto tree = bfs_spanning_tree(g, 3);
    check_well_formed(tree, 30);
    CHECK(edge_count(tree) == 29);
    CHECK(is_connected(tree));
    for (std::size_t i = 0; i < 30; ++i)
      for (auto j : tree.out[i])
        CHECK(has_edge(g, i, j));
  }
  auto cut = undirected_graph(4, {{0, 1}, {2, 3}});
  CHECK_THROWS_AS(bfs_spanning_tree(cut), std::invalid_argument);
  CHECK_THROWS_AS(diameter(cut), std::invalid_argument);
  CHECK_FALSE(is_connected(cut));
}

TEST_CASE("connectivity of directed graphs is strong connectivity") {
  auto one_way = directed_graph(3, {{0, 1}, {1, 2}});
  CHECK_FALSE(is_connected(one_way));
  auto cycle = directed_graph(3, {{0, 1}, {1, 2}, {2, 0}});
  CHECK(is_connected(cycle));
  CHECK(diameter(cycle) == 2);
}

TEST_CASE("erdos-renyi is a pure function of the seed") {
  topology_spec spec;
  spec.kind = "erdos-renyi";
  spec.probability = 0.2;
  auto a = make_topology(40, 11, spec).at(0);
  auto b = make_topology(40, 11, spec).at(0);
  auto c = make_topology(40, 12, spec).at(0);
  CHECK(a.out == b.out);
  CHECK(a.out != c.out);
  // 0.2 * 40 * 39 / 2 = 156 expected edges; 5 sigma is about 60.
  CHECK(std::abs(static_cast<double>(edge_count(a)) - 156) < 60);
  spec.probability = 1;
  CHECK(edge_count(make_topology(10, 1, spec).at(0)) == 45);
}

TEST_CASE("erdos-renyi with too small a probability names the field") {
  topology_spec spec;
  spec.kind = "erdos-renyi";
  spec.probability = 0.01;
  CHECK_THROWS_AS(make_topology(64, 1, spec), input_error);
  CHECK_THROWS_WITH(make_topology(64, 1, spec),
                    doctest::Contains("topology.probability"));
  spec.probability = 0;
  CHECK_THROWS_WITH(make_topology(64, 1, spec),
                    doctest::Contains("topology.probability"));
}

TEST_CASE("random geometric graph links exactly the points within range") {
  topology_spec spec;
  spec.kind = "random-geometric";
  spec.radius = 0.25;
  auto t = make_topology(50, 3, spec);
  REQUIRE(t.positions.size() == 50);
  const auto& g = t.at(0);
  for (std::size_t i = 0; i < 50; ++i)
    for (std::size_t j = 0; j < 50; ++j) {
      if (i == j)
        continue;
      auto dx = t.positions[i][0] - t.positions[j][0];
      auto dy = t.positions[i][1] - t.positions[j][1];
      CHECK(has_edge(g, i, j) == (dx * dx + dy * dy <= 0.25 * 0.25));
    }
  CHECK(make_topology(50, 3, spec).positions == t.positions);
  spec.radius = 0.01;
  CHECK_THROWS_WITH(make_topology(50, 3, spec),
                    doctest::Contains("topology.radius"));
}

TEST_CASE("random regular graph has every degree equal to k") {
  topology_spec spec;
  spec.kind = "random-regular";
  for (auto [n, k] : {std::pair{10, 3}, {30, 4}, {64, 6}, {20, 15}, {9, 8}}) {
    CAPTURE(n);
    CAPTURE(k);
    spec.degree = k;
    auto g = make_topology(n, 5, spec).at(0);
    check_well_formed(g, n);
    CHECK(g.is_undirected());
    CHECK(is_connected(g));
    for (const auto& out : g.out)
      CHECK(out.size() == static_cast<std::size_t>(k));
    CHECK(make_topology(n, 5, spec).at(0).out == g.out);
  }
  spec.degree = 3;
  CHECK_THROWS_WITH(make_topology(7, 1, spec),
                    doctest::Contains("topology.degree"));
  spec.degree = 8;
  CHECK_THROWS_WITH(make_topology(8, 1, spec),
                    doctest::Contains("topology.degree"));
}

TEST_CASE("one-peer exponential phases multiply to exact averaging") {
  for (std::size_t dim = 1; dim <= 6; ++dim) {
    auto n = std::size_t{1} << dim;
    CAPTURE(n);
    auto t = make("one-peer-exponential", n);
    REQUIRE(t.phases.size() == dim);
    CHECK(t.time_varying() == (dim > 1));
    Eigen::MatrixXd product = Eigen::MatrixXd::Identity(n, n);
    for (const auto& g : t.phases) {
      for (std::size_t i = 0; i < n; ++i) {
        CHECK(g.in[i].size() == 1);
        CHECK(g.out[i].size() == 1);
      }
      product = multiply(dense(g, uniform_weights(g)), product);
    }
    CHECK(max_abs_diff(product, averaging(n)) == 0);
  }
  // ceil(log2 n) phases, sending i -> i + 2^k, when n is not a power of two.
  auto t = make("one-peer-exponential", 6);
  REQUIRE(t.phases.size() == 3);
  CHECK(t.at(2).out[5] == list({3}));
  CHECK(t.at(5).out[5] == list({3}));
}
