#pragma once

// Comparing the runtime's models with an independent recursion of a paper's
// update (tests/oracle_test.cpp, tests/message_loss_test.cpp): one row per
// agent, in double precision, against the engines' float models.

#include "core/base/types.hpp"

#include <doctest/doctest.h>

#include <Eigen/Dense>

#include <algorithm>
#include <vector>

namespace murmur::testing {

using mat = Eigen::MatrixXd; ///< one row per agent

/// Float rounding over the rounds stays below this share of the models'
/// size (5e-6 measured at most).
constexpr double tolerance = 5e-5;

/// The models' size, at least 1.
inline double largest(const mat& m) {
  return std::max(1.0, m.cwiseAbs().maxCoeff());
}

/// The largest difference between an agent's model and its row of `want`.
inline double worst_gap(const std::vector<vec>& got, const mat& want) {
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, (got[i].cast<double>() -
                             want.row(static_cast<Eigen::Index>(i)).transpose())
                              .cwiseAbs()
                              .maxCoeff());
  return worst;
}

/// Every agent's model equals its row of `want` to float tolerance.
inline void check_matches(const std::vector<vec>& got, const mat& want) {
  REQUIRE(got.size() == static_cast<std::size_t>(want.rows()));
  double worst = worst_gap(got, want);
  CAPTURE(worst);
  CHECK(worst <= tolerance * largest(want));
}

/// Both engines' models match `want`.
inline void check_engines_match(const std::vector<vec>& lockstep,
                                const std::vector<vec>& actors,
                                const mat& want) {
  {
    INFO("lock-step loop");
    check_matches(lockstep, want);
  }
  {
    INFO("actors");
    check_matches(actors, want);
  }
}

} // namespace murmur::testing
