#include "core/run/model_sum.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace murmur {

namespace {

constexpr std::uint8_t not_finite = 255;

// Where an exponent is 255 the word collects flags instead of a sum.
constexpr std::int64_t saw_nan = 1, saw_plus_inf = 2, saw_minus_inf = 4;

std::int64_t flag_of(float x) {
  if (std::isnan(x))
    return saw_nan;
  if (std::isinf(x))
    return x > 0 ? saw_plus_inf : saw_minus_inf;
  return 0;
}

float value_of_flags(std::int64_t flags) {
  if ((flags & saw_nan) || (flags & saw_plus_inf && flags & saw_minus_inf))
    return std::numeric_limits<float>::quiet_NaN();
  return flags & saw_plus_inf ? std::numeric_limits<float>::infinity()
                              : -std::numeric_limits<float>::infinity();
}

/// ceil(log2(n)): with 2^h terms of magnitude below 2^(62 - h) the sum stays
/// below 2^62.
int headroom_bits(std::size_t n) {
  int h = 0;
  while ((std::size_t{1} << h) < n)
    ++h;
  return h;
}

} // namespace

void raise_exponents(const vec& x, sum_exponents& e) {
  // The floats' bits in blocks (memcpy: no aliasing of float as integer),
  // each block in one loop the compiler vectorises.
  constexpr std::size_t block = 256;
  std::uint32_t bits[block];
  std::uint8_t* out = e.data();
  for (std::size_t from = 0; from < e.size(); from += block) {
    auto n = std::min(block, e.size() - from);
    std::memcpy(bits, x.data() + from, n * sizeof(float));
    for (std::size_t j = 0; j < n; ++j)
      out[from + j] =
        std::max(out[from + j], static_cast<std::uint8_t>(bits[j] >> 23));
  }
}

void raise_exponents(const sum_exponents& from, sum_exponents& e) {
  for (std::size_t j = 0; j < e.size(); ++j)
    e[j] = std::max(e[j], from[j]);
}

fixed_sum::fixed_sum(const sum_exponents& e, std::size_t max_terms)
  : scale_(e.size()), words_(e.size(), 0) {
  int h = headroom_bits(max_terms);
  if (h > 30)
    throw input_error("a model sum of more than 2^30 terms");
  for (std::size_t j = 0; j < e.size(); ++j) {
    // A float with biased exponent b >= 1 is below 2^(b - 126); subnormals
    // (b = 0) are below 2^-125 too. Scaled by 2^(188 - h - b) every term is
    // below 2^(62 - h).
    int b = std::max<int>(e[j], 1);
    if (e[j] == not_finite)
      not_finite_.push_back(j);
    else
      scale_[j] = std::ldexp(1.0, 188 - h - b);
  }
}

void fixed_sum::add(const vec& x) {
  // One branch-free pass the compiler vectorises (scale 0 where the
  // parameter had a non-finite term: nothing is added there), then the
  // flags of the few non-finite parameters.
  const float* __restrict in = x.data();
  const double* __restrict scale = scale_.data();
  std::int64_t* __restrict out = words_.data();
  const std::size_t n = words_.size();
  for (std::size_t j = 0; j < n; ++j) {
    double v = static_cast<double>(in[j]) * scale[j]; // exact
    // A NaN or infinite term of a non-finite parameter adds nothing here.
    v = std::fabs(v) < 0x1p62 ? v : 0.0;
    out[j] += static_cast<std::int64_t>(v); // truncates toward zero
  }
  for (auto j : not_finite_)
    out[j] |= flag_of(in[j]);
}

void fixed_sum::add(const std::vector<std::int64_t>& partial) {
  // Sums add; the flags of non-finite parameters combine by union.
  std::vector<std::int64_t> flags;
  for (auto j : not_finite_)
    flags.push_back(words_[j] | partial[j]);
  for (std::size_t j = 0; j < words_.size(); ++j)
    words_[j] += partial[j];
  for (std::size_t k = 0; k < not_finite_.size(); ++k)
    words_[not_finite_[k]] = flags[k];
}

vec fixed_sum::mean(std::size_t terms) const {
  vec out(static_cast<Eigen::Index>(words_.size()));
  auto n = static_cast<double>(terms);
  for (std::size_t j = 0; j < words_.size(); ++j)
    out[static_cast<Eigen::Index>(j)] =
      static_cast<float>(static_cast<double>(words_[j]) / scale_[j] / n);
  for (auto j : not_finite_)
    out[static_cast<Eigen::Index>(j)] = value_of_flags(words_[j]);
  return out;
}

} // namespace murmur
