#include "core/model/layers/short_gemm.hpp"

#include <Eigen/Core>

#include <cassert>
#include <type_traits>
#include <utility>

namespace murmur {

namespace {

constexpr std::size_t width = 16;
using lanes = Eigen::Array<float, width, 1>;
using lanes_cmap = Eigen::Map<const lanes>;
using lanes_map = Eigen::Map<lanes>;

// Calls f(std::integral_constant<int, m>) for the runtime m in [1, Max], so
// the kernels' register blocks have compile-time sizes.
template <class F, int... Ms>
void with_rows(std::size_t m, F f, std::integer_sequence<int, Ms...>) {
  ((m == static_cast<std::size_t>(Ms + 1)
      ? (f(std::integral_constant<int, Ms + 1>{}), 0)
      : 0),
   ...);
}

template <class F>
void with_rows(std::size_t m, F f) {
  assert(m >= 1 && m <= short_rows);
  with_rows(m, f, std::make_integer_sequence<int, short_rows>{});
}

template <int M>
void times(const float* w, std::size_t k, const float* x, std::size_t ldx,
           std::size_t n, const float* bias, float* y, std::size_t ldy) {
  std::size_t j = 0;
  for (; j + width <= n; j += width) {
    lanes acc[M];
    for (int o = 0; o < M; ++o)
      acc[o] = lanes::Constant(bias ? bias[o] : 0.f);
    for (std::size_t r = 0; r < k; ++r) {
      const lanes v = lanes_cmap{x + r * ldx + j};
      for (int o = 0; o < M; ++o)
        acc[o] += w[o * k + r] * v;
    }
    for (int o = 0; o < M; ++o)
      lanes_map{y + o* ldy + j} = acc[o];
  }
  for (; j < n; ++j)
    for (int o = 0; o < M; ++o) {
      float sum = bias ? bias[o] : 0.f;
      for (std::size_t r = 0; r < k; ++r)
        sum += w[o * k + r] * x[r * ldx + j];
      y[o * ldy + j] = sum;
    }
}

// Rows r0 .. r0 + R - 1 of b against all M rows of a.
template <int M, int R>
void gram_block(const float* a, std::size_t lda, const float* b,
                std::size_t ldb, std::size_t r0, std::size_t k, std::size_t n,
                float* g, bool accumulate) {
  lanes acc[M][R];
  for (int o = 0; o < M; ++o)
    for (int r = 0; r < R; ++r)
      acc[o][r].setZero();
  std::size_t j = 0;
  for (; j + width <= n; j += width) {
    lanes bv[R];
    for (int r = 0; r < R; ++r)
      bv[r] = lanes_cmap{b + (r0 + r) * ldb + j};
    for (int o = 0; o < M; ++o) {
      const lanes av = lanes_cmap{a + o * lda + j};
      for (int r = 0; r < R; ++r)
        acc[o][r] += av * bv[r];
    }
  }
  for (int o = 0; o < M; ++o)
    for (int r = 0; r < R; ++r) {
      float sum = acc[o][r].sum();
      for (std::size_t t = j; t < n; ++t)
        sum += a[o * lda + t] * b[(r0 + r) * ldb + t];
      float& out = g[o * k + r0 + r];
      out = accumulate ? out + sum : sum;
    }
}

// About 24 accumulators: rows of b per block as M allows.
template <int M>
void gram(const float* a, std::size_t lda, const float* b, std::size_t ldb,
          std::size_t k, std::size_t n, float* g, bool accumulate) {
  constexpr int R = M <= 6 ? 4 : M <= 12 ? 2 : 1;
  std::size_t r0 = 0;
  for (; r0 + R <= k; r0 += R)
    gram_block<M, R>(a, lda, b, ldb, r0, k, n, g, accumulate);
  for (; r0 < k; ++r0)
    gram_block<M, 1>(a, lda, b, ldb, r0, k, n, g, accumulate);
}

template <int M>
void transposed_times(const float* w, std::size_t k, const float* d,
                      std::size_t ldd, std::size_t n, float* y,
                      std::size_t ldy) {
  std::size_t j = 0;
  for (; j + width <= n; j += width) {
    lanes dv[M];
    for (int o = 0; o < M; ++o)
      dv[o] = lanes_cmap{d + o * ldd + j};
    for (std::size_t r = 0; r < k; ++r) {
      lanes sum = w[r] * dv[0];
      for (int o = 1; o < M; ++o)
        sum += w[o * k + r] * dv[o];
      lanes_map{y + r* ldy + j} = sum;
    }
  }
  for (; j < n; ++j)
    for (std::size_t r = 0; r < k; ++r) {
      float sum = w[r] * d[j];
      for (int o = 1; o < M; ++o)
        sum += w[o * k + r] * d[o * ldd + j];
      y[r * ldy + j] = sum;
    }
}

} // namespace

void short_times(const float* w, std::size_t m, std::size_t k, const float* x,
                 std::size_t ldx, std::size_t n, const float* bias, float* y,
                 std::size_t ldy) {
  with_rows(m, [&](auto rows) {
    times<decltype(rows)::value>(w, k, x, ldx, n, bias, y, ldy);
  });
}

void short_gram(const float* a, std::size_t lda, std::size_t m, const float* b,
                std::size_t ldb, std::size_t k, std::size_t n, float* g,
                bool accumulate) {
  with_rows(m, [&](auto rows) {
    gram<decltype(rows)::value>(a, lda, b, ldb, k, n, g, accumulate);
  });
}

void short_transposed_times(const float* w, std::size_t m, std::size_t k,
                            const float* d, std::size_t ldd, std::size_t n,
                            float* y, std::size_t ldy) {
  with_rows(m, [&](auto rows) {
    transposed_times<decltype(rows)::value>(w, k, d, ldd, n, y, ldy);
  });
}

} // namespace murmur
