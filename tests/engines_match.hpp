#pragma once

// The actors against the lock-step loop at every evaluation of a run: the
// same models and the same minibatches, bit for bit.

#include "actors/runtime.hpp"
#include "core/config/config.hpp"
#include "core/run/lockstep.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <cstddef>

namespace murmur::testing {

/// Runs `cfg` on the actors, then on the lock-step loop taking its reports
/// at the same rounds (an agent's training loss covers the rounds since the
/// last evaluation), and checks every evaluated row; `rows` is how many the
/// run evaluates. Checks too that the run learned.
inline void check_actors_match_lockstep(const run_config& cfg,
                                        std::size_t rows) {
  auto a = build_experiment(cfg);
  row_recorder got;
  run_actors(*a, got, 2);
  REQUIRE(got.rows.size() == rows);
  auto b = build_experiment(cfg);
  lockstep loop{*b};
  for (auto& row : got.rows) {
    while (loop.rounds_done() < row.round)
      loop.run_round();
    auto ref = evaluate_round(*b, row.round, loop.reports());
    CAPTURE(row.round);
    CHECK(row.test_loss == ref.test_loss);
    CHECK(row.consensus_distance == ref.consensus_distance);
    CHECK(row.train_loss == ref.train_loss);
    CHECK(row.min_agent_accuracy == ref.min_agent_accuracy);
  }
  CHECK(got.rows.back().test_loss < got.rows.front().test_loss);
}

} // namespace murmur::testing
