// Every synchronous algorithm against an independent recursion of its
// paper's update, written here in plain Eigen (double precision) from the
// equations, not from murmur's classes:
//   D-PSGD, both orders (Lian et al., NeurIPS 2017; adapt-then-combine as in
//     the RelaySGD code), with local heavy-ball and Nesterov momentum;
//   All-Reduce: x <- mean_j (x_j + u_j);
//   gradient tracking: textbook DSGT (x <- W (x - lr y),
//     y <- W y + g(x_new) - g(x_old)), and with momentum the update-tracking
//     form of the RelaySGD code (epfml/relaysgd algorithms.py);
//   DeTAG (Lu & De Sa, ICML 2021, Algorithm 2): phases of R accelerated-gossip
//     rounds over [x | y], all of a phase's minibatches at the frozen x^k;
//   RelaySum/Model and /Grad (Vogels et al., NeurIPS 2021) in closed form:
//     agent k's half-step model of step s reaches agent i at step
//     s + dist(i, k) - 1 over the tree, exactly once, and the models not yet
//     heard of are filled with x^0.
// The problem is the heterogeneous quadratic of tests/problems.hpp (agent i:
// 0.5 ||x - c_i||^2, exact gradients) on a graph with unequal degrees, so the
// agents' local optima differ and the Metropolis-Hastings weights differ per
// edge. Both the lock-step loop and the actors must stay within float
// rounding of the recursion for every agent after many rounds, while the
// same recursion without communication ends far away (checked each time, so
// the tolerance means something).
#include "actors/runtime.hpp"
#include "core/run/lockstep.hpp"
#include "tests/oracle_match.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <vector>

using namespace murmur;

namespace {

using testing::check_engines_match;
using testing::largest;
using testing::mat;
using testing::tolerance;

constexpr std::size_t agents = 8;
constexpr round_t rounds = 120;

/// The quadratic's data and the graph as the recursions see them.
struct setting {
  mat centres;
  std::vector<std::vector<agent_id>> neighbours;
};

setting make_setting(const graph& g) {
  setting s;
  s.centres = testing::quadratic_centres(agents).cast<double>();
  s.neighbours = g.out;
  return s;
}

/// Exact gradients of every agent's loss at its own model.
mat gradients(const setting& s, const mat& x) {
  return x - s.centres;
}

/// Metropolis-Hastings: W_ij = 1 / (max(deg_i, deg_j) + 1) on each edge,
/// the rest on the diagonal.
mat metropolis(const setting& s) {
  auto n = static_cast<Eigen::Index>(s.neighbours.size());
  mat w = mat::Zero(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (auto j : s.neighbours[static_cast<std::size_t>(i)])
      w(i, j) = 1.0 / (static_cast<double>(std::max(
                         s.neighbours[static_cast<std::size_t>(i)].size(),
                         s.neighbours[j].size())) +
                       1);
    w(i, i) = 1 - w.row(i).sum();
  }
  return w;
}

/// Local momentum in PyTorch's convention, one buffer per agent:
/// m <- mu m + g; u = -lr (g + mu m) with Nesterov, u = -lr m otherwise.
struct local_momentum {
  double mu = 0;
  bool nesterov = false;
  mat m;

  mat update(const mat& g, double lr) {
    if (m.size() == 0)
      m = mat::Zero(g.rows(), g.cols());
    m = mu * m + g;
    return -lr * (nesterov ? mat(g + mu * m) : m);
  }
};

struct optimizer_setting {
  double lr = 0.1;
  double mu = 0;
  bool nesterov = false;

  std::vector<std::string> sets() const {
    return {"optimizer.lr=" + std::to_string(lr),
            "optimizer.momentum=" + std::to_string(mu),
            std::string{"optimizer.nesterov="} + (nesterov ? "true" : "false")};
  }
  local_momentum fresh() const { return {mu, nesterov, {}}; }
};

mat start() {
  return mat::Zero(agents, testing::quadratic_dim);
}

// -- the recursions -----------------------------------------------------------

/// `steps` local optimizer steps, then mixing.
mat dpsgd_step_then_mix(const setting& s, const mat& w,
                        const optimizer_setting& o, round_t k, int steps = 1) {
  auto opt = o.fresh();
  mat x = start();
  for (round_t t = 0; t < k; ++t) {
    for (int j = 0; j < steps; ++j)
      x += opt.update(gradients(s, x), o.lr);
    x = w * x;
  }
  return x;
}

mat dpsgd_mix_then_step(const setting& s, const mat& w,
                        const optimizer_setting& o, round_t k) {
  auto opt = o.fresh();
  mat x = start();
  for (round_t t = 0; t < k; ++t)
    x = w * x + opt.update(gradients(s, x), o.lr);
  return x;
}

/// DSGT as the textbook writes it (plain SGD): y^0 = g(x^0).
mat tracking_textbook(const setting& s, const mat& w, double lr, round_t k) {
  mat x = start();
  mat g = gradients(s, x);
  mat y = g;
  for (round_t t = 0; t < k; ++t) {
    x = w * (x - lr * y);
    mat next = gradients(s, x);
    y = w * y + next - g;
    g = next;
  }
  return x;
}

/// Update tracking (works with momentum): x <- W (x + u + c),
/// c <- W (c + u) - u, c^0 = 0.
mat tracking_updates(const setting& s, const mat& w, const optimizer_setting& o,
                     round_t k) {
  auto opt = o.fresh();
  mat x = start();
  mat c = mat::Zero(x.rows(), x.cols());
  for (round_t t = 0; t < k; ++t) {
    mat u = opt.update(gradients(s, x), o.lr);
    x = w * (x + u + c);
    c = w * (c + u) - u;
  }
  return x;
}

struct detag_setting {
  int R = 3;
  int B = 3; ///< minibatches per phase
  double eta = 0.3;
  bool gossiped_tracker = true;
  bool first_gradient = false;
  double beta = 0; ///< DeTAGM: heavy-ball momentum on the tracker
};

/// DeTAG in update units (u = -lr g for plain SGD): per phase, R rounds of
/// z <- (1 + eta) W z - eta z_prev over z = [x | y] started with
/// z_prev = z, and B minibatches at the frozen x^k accumulated into g (/ B);
/// then x <- AG(X) + AG(Y) (or + y), y <- AG(Y) + g - g_prev. DeTAGM
/// (beta > 0): m <- beta m + that tracker, x <- AG(X) + m, once per phase.
mat detag(const setting& s, const mat& w, const optimizer_setting& o,
          const detag_setting& d, round_t k) {
  auto opt = o.fresh();
  mat x = start();
  mat y = mat::Zero(x.rows(), x.cols());
  mat g_prev = y;
  mat m = y; // DeTAGM's momentum; with beta = 0 it is the tracker itself
  if (d.first_gradient) {
    for (int b = 0; b < d.B; ++b)
      y += opt.update(gradients(s, x), o.lr) / d.B;
    g_prev = y;
  }
  for (round_t phase = 0; phase < k / static_cast<round_t>(d.R); ++phase) {
    mat zx = x, zy = y, px = x, py = y;
    mat g = mat::Zero(x.rows(), x.cols());
    for (int b = 0; b < d.B; ++b)
      g += opt.update(gradients(s, x), o.lr) / d.B;
    for (int r = 0; r < d.R; ++r) {
      mat nx = (1 + d.eta) * (w * zx) - d.eta * px;
      mat ny = (1 + d.eta) * (w * zy) - d.eta * py;
      px = zx, py = zy, zx = nx, zy = ny;
    }
    mat tracker = d.gossiped_tracker ? zy : y;
    m = d.beta * m + tracker;
    x = zx + m;
    y = zy + g - g_prev;
    g_prev = g;
  }
  return x;
}

/// Hops between every pair of agents over `tree` (breadth-first);
/// unreachable pairs get a huge distance (no communication).
std::vector<std::vector<round_t>> hops(const graph& tree) {
  auto n = tree.size();
  std::vector<std::vector<round_t>> d(
    n, std::vector<round_t>(n, std::numeric_limits<round_t>::max() / 2));
  for (agent_id root = 0; root < n; ++root) {
    std::queue<agent_id> q;
    d[root][root] = 0;
    q.push(root);
    while (!q.empty()) {
      auto a = q.front();
      q.pop();
      for (auto b : tree.out[a])
        if (d[root][b] > d[root][a] + 1) {
          d[root][b] = d[root][a] + 1;
          q.push(b);
        }
    }
  }
  return d;
}

/// RelaySum/Model (fill with x^0 = 0, divide by n) or /Grad over one tree per
/// slice of the parameters (double binary trees: even indices over the
/// first, odd over the second), from its closed form: agent i combines
/// agent k's contribution of step t - dist(i, k) + 1.
mat relaysum(const setting& s, const std::vector<graph>& trees,
             const optimizer_setting& o, bool grad_variant, round_t k) {
  auto n = static_cast<Eigen::Index>(agents);
  auto dim = static_cast<Eigen::Index>(testing::quadratic_dim);
  std::vector<std::vector<std::vector<round_t>>> dist;
  for (auto& t : trees)
    dist.push_back(hops(t));
  auto opt = o.fresh();
  mat x = start();
  std::vector<mat> sent; // per step: what each agent contributes
  for (round_t t = 0; t < k; ++t) {
    mat u = opt.update(gradients(s, x), o.lr);
    sent.push_back(grad_variant ? u : mat(x + u));
    mat next = grad_variant ? x : mat::Zero(n, dim);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index p = 0; p < dim; ++p) {
        auto& d = dist[static_cast<std::size_t>(p) % trees.size()];
        double sum = 0;
        for (Eigen::Index j = 0; j < n; ++j) {
          auto delay =
            d[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
          auto arrived = t + 1 >= std::max<round_t>(delay, 1);
          if (delay == 0)
            sum += sent[t](i, p);
          else if (arrived)
            sum += sent[t + 1 - delay](j, p);
        } // models not heard of count as x^0 = 0
        next(i, p) += sum / static_cast<double>(n);
      }
    x = next;
  }
  return x;
}

// -- the engines
// ---------------------------------------------------------------

/// Every agent's model after `k` rounds, from the lock-step loop and from
/// the actors.
struct engine_models {
  std::vector<vec> lockstep, actors;
};

engine_models run_engines(const std::vector<std::string>& sets, round_t k) {
  engine_models out;
  auto a = testing::quadratic_experiment(agents, k, sets);
  lockstep loop{*a};
  while (loop.rounds_done() < k)
    loop.run_round();
  for (agent_id i = 0; i < agents; ++i)
    out.lockstep.push_back(loop.agent(i).x());
  auto b = testing::quadratic_experiment(agents, k, sets);
  testing::row_recorder rec;
  run_actors(*b, rec, 2);
  for (auto& r : rec.agents)
    out.actors.push_back(*r.model);
  return out;
}

/// Both engines against the recursion, and the recursion without
/// communication far from it.
void check_oracle(const std::vector<std::string>& sets, const mat& want,
                  const mat& without_communication) {
  auto got = run_engines(sets, rounds);
  check_engines_match(got.lockstep, got.actors, want);
  double apart = (want - without_communication).cwiseAbs().maxCoeff();
  CAPTURE(apart);
  CHECK(apart > 1000 * tolerance * largest(want));
}

/// The graph of the tests: irregular, so weights differ per edge.
std::vector<std::string> irregular_graph() {
  return {"topology.kind=erdos-renyi", "topology.probability=0.4"};
}

graph comm_graph(const std::vector<std::string>& sets) {
  return testing::quadratic_experiment(agents, 1, sets)->comm.phases[0];
}

std::vector<std::string> with(std::vector<std::string> a,
                              const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<optimizer_setting>& optimizers() {
  static const std::vector<optimizer_setting> o{
    {0.1, 0, false}, {0.05, 0.6, false}, {0.05, 0.6, true}};
  return o;
}

} // namespace

TEST_CASE("oracle: the test graph has unequal degrees") {
  auto g = comm_graph(with(irregular_graph(), {"algorithm.name=dpsgd"}));
  std::vector<std::size_t> degrees;
  for (auto& out : g.out)
    degrees.push_back(out.size());
  CHECK(*std::min_element(degrees.begin(), degrees.end()) <
        *std::max_element(degrees.begin(), degrees.end()));
}

TEST_CASE("oracle: D-PSGD in both orders follows its recursion") {
  for (auto& o : optimizers())
    for (std::string order : {"step-then-mix", "mix-then-step"}) {
      CAPTURE(order);
      CAPTURE(o.mu);
      CAPTURE(o.nesterov);
      auto sets = with(with(irregular_graph(), o.sets()),
                       {"algorithm.name=dpsgd", "algorithm.order=" + order});
      auto s = make_setting(comm_graph(sets));
      auto recursion = [&](const mat& w) {
        return order == "step-then-mix" ? dpsgd_step_then_mix(s, w, o, rounds)
                                        : dpsgd_mix_then_step(s, w, o, rounds);
      };
      mat identity = mat::Identity(agents, agents);
      check_oracle(sets, recursion(metropolis(s)), recursion(identity));
    }
}

TEST_CASE("oracle: D-PSGD with local steps takes them all before mixing") {
  for (auto& o : optimizers()) {
    CAPTURE(o.mu);
    CAPTURE(o.nesterov);
    auto sets = with(with(irregular_graph(), o.sets()),
                     {"algorithm.name=dpsgd", "algorithm.local_steps=3"});
    auto s = make_setting(comm_graph(sets));
    mat identity = mat::Identity(agents, agents);
    check_oracle(sets, dpsgd_step_then_mix(s, metropolis(s), o, rounds, 3),
                 dpsgd_step_then_mix(s, identity, o, rounds, 3));
  }
}

TEST_CASE("oracle: All-Reduce averages the stepped models exactly") {
  for (auto& o : optimizers()) {
    CAPTURE(o.mu);
    auto sets = with(o.sets(), {"algorithm.name=allreduce"});
    auto s = make_setting(comm_graph(sets));
    mat average = mat::Constant(agents, agents, 1.0 / agents);
    mat identity = mat::Identity(agents, agents);
    check_oracle(sets, dpsgd_step_then_mix(s, average, o, rounds),
                 dpsgd_step_then_mix(s, identity, o, rounds));
  }
}

TEST_CASE("oracle: gradient tracking follows DSGT") {
  auto sets = with(irregular_graph(), {"algorithm.name=gradient-tracking"});
  auto s = make_setting(comm_graph(sets));
  mat identity = mat::Identity(agents, agents);
  SUBCASE("plain SGD: the textbook recursion") {
    optimizer_setting o{0.1, 0, false};
    check_oracle(with(sets, o.sets()),
                 tracking_textbook(s, metropolis(s), o.lr, rounds),
                 tracking_textbook(s, identity, o.lr, rounds));
  }
  SUBCASE("momentum: the update-tracking recursion") {
    for (auto& o : optimizers()) {
      CAPTURE(o.mu);
      check_oracle(with(sets, o.sets()),
                   tracking_updates(s, metropolis(s), o, rounds),
                   tracking_updates(s, identity, o, rounds));
    }
  }
}

TEST_CASE("oracle: DeTAG follows Algorithm 2 with accelerated gossip") {
  auto base = with(irregular_graph(), {"algorithm.name=detag"});
  auto s = make_setting(comm_graph(base));
  mat w = metropolis(s);
  mat identity = mat::Identity(agents, agents);
  // Auto R and eta from the spectrum, computed here from W itself.
  Eigen::SelfAdjointEigenSolver<mat> eig{w};
  auto values = eig.eigenvalues(); // ascending; the last is 1
  double lambda =
    std::max(std::abs(values[0]), std::abs(values[values.size() - 2]));
  int auto_R =
    std::max(1, static_cast<int>(0.5 * std::log(static_cast<double>(agents)) /
                                 std::sqrt(1 - lambda)));
  double root = std::sqrt(1 - lambda * lambda);
  double auto_eta = (1 - root) / (1 + root);
  MESSAGE("irregular graph: lambda " << lambda << ", R " << auto_R << ", eta "
                                     << auto_eta);
  // Minibatches per phase: the default (B = R), fewer and more than R.
  for (auto& o : optimizers())
    for (bool gossiped : {true, false})
      for (bool first : {false, true})
        for (int budget : {0, 1, 5, -1}) { // -1: R and eta automatic
          bool automatic = budget < 0;
          detag_setting d{3, budget > 0 ? budget : 3, 0.3, gossiped, first};
          if (automatic)
            d = {auto_R, auto_R, auto_eta, gossiped, first};
          CAPTURE(o.mu);
          CAPTURE(gossiped);
          CAPTURE(first);
          CAPTURE(d.R);
          CAPTURE(d.B);
          auto sets = with(base, o.sets());
          sets.push_back("algorithm.ordering=" +
                         std::string{gossiped ? "gossiped" : "local"} +
                         "-tracker");
          sets.push_back("algorithm.init=" +
                         std::string{first ? "first-gradient" : "zero"});
          if (!automatic) {
            sets.push_back("algorithm.R=3");
            sets.push_back("algorithm.eta=0.3");
            sets.push_back("algorithm.B=" + std::to_string(budget));
          }
          // Whole phases only: later rounds gossip without moving x.
          auto k = rounds - rounds % static_cast<round_t>(d.R);
          auto got = run_engines(sets, k);
          mat want = detag(s, w, o, d, k);
          check_engines_match(got.lockstep, got.actors, want);
          CHECK((want - detag(s, identity, o, d, k)).cwiseAbs().maxCoeff() >
                1000 * tolerance * largest(want));
        }
}

TEST_CASE("oracle: DeTAGM takes heavy-ball momentum on the tracker once per "
          "phase") {
  auto base = with(irregular_graph(),
                   {"algorithm.name=detag", "algorithm.R=3",
                    "algorithm.eta=0.3", "algorithm.tracker_momentum=0.6"});
  auto s = make_setting(comm_graph(base));
  mat w = metropolis(s);
  mat identity = mat::Identity(agents, agents);
  optimizer_setting o{0.1, 0, false};
  auto k = rounds - rounds % 3;
  for (bool gossiped : {true, false})
    for (int budget : {3, 5}) {
      CAPTURE(gossiped);
      CAPTURE(budget);
      detag_setting d{3, budget, 0.3, gossiped, false, 0.6};
      auto sets = with(base, o.sets());
      sets.push_back("algorithm.ordering=" +
                     std::string{gossiped ? "gossiped" : "local"} + "-tracker");
      sets.push_back("algorithm.B=" + std::to_string(budget));
      auto got = run_engines(sets, k);
      mat want = detag(s, w, o, d, k);
      check_engines_match(got.lockstep, got.actors, want);
      // Momentum changes the trajectory (beta = 0 is DeTAG): far apart
      // after 10 phases, and still 100 tolerances apart at the end, where
      // both approach the optimum. Communication matters.
      auto plain = d;
      plain.beta = 0;
      CHECK((detag(s, w, o, d, 30) - detag(s, w, o, plain, 30))
              .cwiseAbs()
              .maxCoeff() > 1000 * tolerance * largest(want));
      CHECK((want - detag(s, w, o, plain, k)).cwiseAbs().maxCoeff() >
            100 * tolerance * largest(want));
      CHECK((want - detag(s, identity, o, d, k)).cwiseAbs().maxCoeff() >
            1000 * tolerance * largest(want));
    }
}

TEST_CASE("oracle: RelaySum/Model and /Grad deliver every model after its "
          "tree distance") {
  struct tree_case {
    std::string tree;
    std::vector<graph> graphs;
  };
  std::vector<tree_case> trees{
    {"chain", {chain_tree(agents)}},
    {"binary", {binary_tree(agents)}},
    {"double-binary", {binary_tree(agents), mirrored_binary_tree(agents)}}};
  std::vector<graph> apart{undirected_graph(agents, {})};
  for (auto& t : trees)
    for (std::string variant : {"model", "grad"})
      for (auto& o : optimizers()) {
        CAPTURE(t.tree);
        CAPTURE(variant);
        CAPTURE(o.mu);
        auto sets =
          with(o.sets(), {"algorithm.name=relaysgd", "algorithm.tree=" + t.tree,
                          "algorithm.variant=" + variant});
        auto s = make_setting(comm_graph(sets));
        bool grad = variant == "grad";
        check_oracle(sets, relaysum(s, t.graphs, o, grad, rounds),
                     relaysum(s, apart, o, grad, rounds));
      }
}
