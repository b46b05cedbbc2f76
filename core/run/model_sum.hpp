#pragma once

#include "core/base/types.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace murmur {

/// Per parameter, the largest biased float exponent (0-254; 255: a term was
/// NaN or infinite) among the terms of a sum of models.
using sum_exponents = std::vector<std::uint8_t>;

/// Raises `e` (one entry per parameter, zeros to start) to cover the term
/// `x`; the maximum does not depend on the order of the terms.
void raise_exponents(const vec& x, sum_exponents& e);
/// Combines the exponents of two sets of terms (element-wise maximum).
void raise_exponents(const sum_exponents& from, sum_exponents& e);

/// A sum of models that has the same bits whatever the order of its terms
/// and however they are split into partial sums: a run across hosts adds
/// each node's agents there, the launcher adds the nodes' partial sums, and
/// the average model is the one a single process computes.
///
/// Float addition is not associative, so every term is first rounded toward
/// zero to a multiple of 2^-s_j, parameter by parameter, and summed as a
/// 64-bit integer. s_j follows from the largest exponent of parameter j over
/// all terms (known before any term is added: raise_exponents) and from the
/// most terms the sum may have, so that no partial sum overflows. That keeps
/// 61 - ceil(log2(max_terms)) bits below the leading bit of the largest
/// term, where a float sum keeps 24. NaN and infinite terms give the
/// parameter the value a float sum would give it (NaN, +inf or -inf).
class fixed_sum {
public:
  /// For at most `max_terms` terms whose exponents together are `e`.
  fixed_sum(const sum_exponents& e, std::size_t max_terms);

  void add(const vec& x);
  /// Adds another partial sum over the same exponents and max_terms.
  void add(const std::vector<std::int64_t>& partial);

  /// The partial sum as it crosses processes.
  const std::vector<std::int64_t>& words() const { return words_; }

  /// The sum divided by `terms`, rounded to float.
  vec mean(std::size_t terms) const;

private:
  std::vector<double> scale_; ///< 2^s_j; 0 where a term was not finite
  std::vector<std::size_t> not_finite_; ///< parameters whose words are flags
  std::vector<std::int64_t> words_;
};

} // namespace murmur
