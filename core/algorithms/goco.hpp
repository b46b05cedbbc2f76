#pragma once

// GOCO (Li & Skoglund 2024), ALGORITHMS.md 5: step-then-mix D-PSGD whose
// local step is a stochastic-gradient-coding (SGC) encoded gradient, with
// simulated i.i.d. Bernoulli(p) stragglers. Declared here (not only in
// goco.cpp) so that tests can read an agent's straggler count.

#include "core/algorithm.hpp"
#include "core/rng.hpp"

#include <cstdint>

namespace murmur {

class goco : public algorithm {
public:
  struct settings {
    double p = 0;        ///< straggler probability per agent and round, [0, 1)
    bool rescale = true; ///< SGC scaling 1/(1-p); false: plain skipping
    bool online = false; ///< scale with an estimate of p, not the true p
    double prior_rounds = 10; ///< online: pseudo-rounds without straggling
  };

  /// `seed` is this agent's own stream (derive_seed(master,
  /// stream::algorithm, agent)).
  goco(const settings& s, std::uint64_t seed);

  /// Draws whether this agent straggles this round; if not, one local step
  /// x <- x + scale * u (u the optimizer's proposed update).
  void before_send(agent_context& ctx, round_t, const neighbourhood&) override;

  /// The current model, straggler or not (pitfall 2: W stays doubly
  /// stochastic).
  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override;

  /// x <- sum_j W_ij x_j.
  void combine(agent_context& ctx, round_t, const neighbourhood& hood,
               const inbox& in) override;

  /// The factor a non-straggler applies to its update in the next round:
  /// 1/(1-p), 1/(1-p_hat) online, 1 without rescaling.
  double scale() const;

  std::uint64_t straggled() const { return straggled_; }
  std::uint64_t rounds() const { return rounds_; }

private:
  settings s_;
  rng gen_;
  std::uint64_t straggled_ = 0;
  std::uint64_t rounds_ = 0;
};

} // namespace murmur
