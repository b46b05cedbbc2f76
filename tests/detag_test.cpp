// DeTAG (Lu & De Sa, ICML 2021): accelerated gossip on its own, and DeTAG on the
// quadratic reference problem.
#include "core/algorithms/accelerated_gossip.hpp"
#include "core/run/lockstep.hpp"
#include "core/algorithms/mixing_ops.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

using namespace murmur;

namespace {

struct ring16 {
  ring16() {
    topology_spec spec;
    spec.kind = "ring";
    t = make_topology(16, 1, spec);
    w = metropolis_hastings(t.phases[0]);
    lambda = mixing_lambda(t, "detag");
  }
  topology t;
  mixing w;
  double lambda;
};

/// One gossip round per node with the runtime's per-node code: W z, then
/// the AG extrapolation (eta = 0: plain gossip).
void ag_round(const ring16& r, std::vector<std::shared_ptr<vec>>& z,
              std::vector<std::shared_ptr<vec>>& prev, double eta) {
  auto& g = r.t.phases[0];
  std::vector<std::shared_ptr<vec>> next(z.size());
  for (agent_id i = 0; i < z.size(); ++i) {
    inbox in;
    for (auto j : g.in[i])
      in.push_back({j, payload{z[j]}});
    next[i] = std::make_shared<vec>(z[i]->size());
    mix_into(*next[i], *z[i], r.w[i], in);
    ag_extrapolate(*next[i], *prev[i], eta);
  }
  prev = z;
  z = next;
}

std::vector<std::shared_ptr<vec>> random_start(std::size_t n, std::size_t d) {
  std::mt19937 gen{7};
  std::normal_distribution<float> normal;
  std::vector<std::shared_ptr<vec>> z;
  for (std::size_t i = 0; i < n; ++i) {
    z.push_back(std::make_shared<vec>(d));
    for (auto& v : *z.back())
      v = normal(gen);
  }
  return z;
}

vec mean_of(const std::vector<std::shared_ptr<vec>>& z) {
  vec m = vec::Zero(z[0]->size());
  for (auto& zi : z)
    m += *zi;
  return m / static_cast<float>(z.size());
}

double consensus_distance(const std::vector<std::shared_ptr<vec>>& z) {
  vec m = mean_of(z);
  double s = 0;
  for (auto& zi : z)
    s += (*zi - m).squaredNorm();
  return s / static_cast<double>(z.size());
}

/// Consensus distance after one AG call of R rounds started at z.
double after_phase(const ring16& r, std::vector<std::shared_ptr<vec>> z,
                   int rounds, double eta) {
  auto prev = z; // Z^{(-1)} = Z^{(0)}
  for (int k = 0; k < rounds; ++k)
    ag_round(r, z, prev, eta);
  return consensus_distance(z);
}

} // namespace

TEST_CASE("DeTAG accelerated gossip preserves the mean every round") {
  ring16 r;
  auto eta = ag_momentum(r.lambda);
  auto z = random_start(16, 4);
  auto prev = z;
  vec mean = mean_of(z);
  for (int k = 0; k < 30; ++k) {
    ag_round(r, z, prev, eta);
    CHECK((mean_of(z) - mean).norm() < 1e-5f);
  }
  // A new phase starts from moved models; carrying the old phase's
  // previous iterate into it shifts the mean by eta times the move
  // (pitfall 1), while resetting prev = z keeps it.
  std::vector<std::shared_ptr<vec>> moved;
  for (auto& zi : z)
    moved.push_back(std::make_shared<vec>(zi->array() + 1));
  auto stale = prev;
  auto fresh = moved;
  auto carried = moved;
  ag_round(r, fresh, moved, eta);
  ag_round(r, carried, stale, eta);
  vec moved_mean = mean.array() + 1;
  CHECK((mean_of(fresh) - moved_mean).norm() < 1e-5f);
  CHECK((mean_of(carried) - moved_mean).norm() > 0.1f);
}

TEST_CASE("DeTAG: one AG phase contracts consensus more than as many plain "
          "gossip rounds on a ring of 16") {
  ring16 r;
  int rounds = ag_rounds(16, r.lambda);
  double eta = ag_momentum(r.lambda);
  MESSAGE("ring of 16: lambda " << r.lambda << ", R " << rounds << ", eta "
                                << eta);
  CHECK(rounds ==
        static_cast<int>(0.5 * std::log(16.0) / std::sqrt(1 - r.lambda)));
  CHECK(rounds >= 2);
  auto z = random_start(16, 8);
  double start = consensus_distance(z);
  double accelerated = after_phase(r, z, rounds, eta);
  double plain = after_phase(r, z, rounds, 0);
  MESSAGE("consensus distance " << start << " -> AG " << accelerated
                                << ", plain gossip " << plain);
  CHECK(accelerated < plain);
  CHECK(plain < start);
  // On the slowest mode the gain is what the theory promises.
  for (agent_id i = 0; i < 16; ++i)
    z[i] = std::make_shared<vec>(
      vec::Constant(1, static_cast<float>(std::cos(2 * M_PI * i / 16.0))));
  CHECK(after_phase(r, z, rounds, eta) < 0.5 * after_phase(r, z, rounds, 0));
}

TEST_CASE("DeTAG on the quadratic reaches the optimum") {
  const std::size_t n = 8;
  const round_t rounds = 900;
  vec optimum = testing::quadratic_optimum(n);
  for (std::string ordering : {"gossiped-tracker", "local-tracker"})
    for (std::string init : {"zero", "first-gradient"})
      for (std::string R : {"0", "3"}) {
        CAPTURE(ordering);
        CAPTURE(init);
        CAPTURE(R);
        auto exp = testing::quadratic_experiment(
          n, rounds,
          {"algorithm.name=detag", "algorithm.ordering=" + ordering,
           "algorithm.init=" + init, "algorithm.R=" + R, "topology.kind=ring",
           "optimizer.lr=0.2"});
        lockstep loop{*exp};
        while (loop.rounds_done() < rounds)
          loop.run_round();
        for (agent_id i = 0; i < n; ++i)
          CHECK((loop.agent(i).x() - optimum).norm() < 1e-4);
      }
}

TEST_CASE("DeTAG and gradient tracking mix over the messages that arrived") {
  mixing_row w{1.0 / 3, {1.0 / 3, 1.0 / 3}};
  vec self = vec::Constant(2, 1);
  inbox in{{1, payload{std::make_shared<vec>(vec::Constant(2, 2))}},
           {2, payload{std::make_shared<vec>(vec::Constant(2, 4))}}};
  vec out(2);
  mix_into(out, self, w, in);
  CHECK(out[0] == doctest::Approx(7.0 / 3));
  in[0].msg.data = nullptr; // lost: renormalise over self and agent 2
  mix_into(out, self, w, in);
  CHECK(out[1] == doctest::Approx(2.5));
}
