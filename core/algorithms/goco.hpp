#pragma once

// GOCO (Li & Skoglund 2024), arXiv 2402.04193: step-then-mix D-PSGD whose
// local step is a stochastic-gradient-coding (SGC) encoded gradient, with
// i.i.d. Bernoulli(p) stragglers or those of the time model that miss a
// per-round deadline. Declared here (not only in
// goco.cpp) so that tests can read an agent's straggler count.

#include "core/algorithms/algorithm.hpp"
#include "core/base/rng.hpp"

#include <cstdint>

namespace murmur {

class goco : public algorithm {
public:
  struct settings {
    double p = 0;        ///< straggler probability per agent and round, [0, 1)
    bool rescale = true; ///< SGC scaling 1/(1-p); false: plain skipping
    bool online = false; ///< scale with an estimate of p, not the true p
    double prior_rounds = 10; ///< online: pseudo-rounds without straggling
    /// > 0: stragglers are the agents whose modelled compute outlasts this
    /// many seconds (no coin; p only sets the scale); 0: Bernoulli(p).
    double deadline = 0;
    /// Minibatches per step: d for the coded step (one per partition; the
    /// runtime gives the agent one data stream per piece), 1 otherwise.
    unsigned gradients = 1;
  };

  /// `seed` is this agent's own stream (derive_seed(master,
  /// stream::algorithm, agent)).
  goco(const settings& s, std::uint64_t seed);

  /// Whether this agent straggles this round (its coin, or a missed
  /// deadline); if not, one local step x <- x + scale * u (u the optimizer's
  /// proposed update).
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

  double deadline() const override { return s_.deadline; }
  unsigned gradients_in_round(round_t) const override { return s_.gradients; }
  void missed_deadline(round_t) override { late_ = true; }

  std::uint64_t straggled() const { return straggled_; }
  std::uint64_t rounds() const { return rounds_; }

private:
  settings s_;
  rng gen_;
  std::uint64_t straggled_ = 0;
  std::uint64_t rounds_ = 0;
  bool late_ = false; ///< this round's step missed the deadline
};

} // namespace murmur
