// Patch matrices for convolutions. The work is all short copies, so it is
// done plane by plane: for a "same" convolution (stride 1, 2 padding + 1 =
// kernel, output as large as input) the patch row of one kernel offset is
// the input plane shifted, one contiguous copy with the wrapped-around
// columns zeroed afterwards; other convolutions go row by row.
#include "core/model/layers/im2col.hpp"

#include "core/base/types.hpp"

#include <immintrin.h>

#include <algorithm>
#include <tuple>
#include <type_traits>

namespace murmur {

namespace {

using signed_size = std::ptrdiff_t;

// Short runs (a row of a small feature map is 5 to 30 floats) copied and
// added in fixed-size vector steps: a plain loop would become a call to
// memmove, and a dynamic-size Eigen map spends more on its alignment logic
// than on the copy.
template <int Step, class Op>
EIGEN_ALWAYS_INLINE void steps(std::size_t& i, std::size_t n, Op op) {
  for (; i + Step <= n; i += Step)
    op(i, std::integral_constant<int, Step>{});
}

template <class Op>
EIGEN_ALWAYS_INLINE void short_run(std::size_t n, Op op) {
  std::size_t i = 0;
  steps<16>(i, n, op);
  steps<8>(i, n, op);
  steps<4>(i, n, op);
  steps<1>(i, n, op);
}

template <int N>
using fixed_map = Eigen::Map<Eigen::Matrix<float, N, 1>>;
template <int N>
using fixed_cmap = Eigen::Map<const Eigen::Matrix<float, N, 1>>;

#ifdef __AVX512F__
// The last n % 16 floats: one masked load and store.
EIGEN_ALWAYS_INLINE __mmask16 tail_mask(std::size_t n) {
  return static_cast<__mmask16>((1u << n) - 1);
}
#endif

// Any length with full-width stores only: a run of n >= N floats is covered
// by stores of N, the last one overlapping its neighbour (masked stores are
// slow on some cores).
template <int N, class Store>
EIGEN_ALWAYS_INLINE void covering(std::size_t n, Store store) {
  std::size_t i = 0;
  for (; i + N <= n; i += N)
    store(i, std::integral_constant<int, N>{});
  if (i < n)
    store(n - N, std::integral_constant<int, N>{});
}

template <class Store>
EIGEN_ALWAYS_INLINE void cover(std::size_t n, Store store) {
  if (n >= 16)
    covering<16>(n, store);
  else if (n >= 8)
    covering<8>(n, store);
  else if (n >= 4)
    covering<4>(n, store);
  else
    for (std::size_t i = 0; i < n; ++i)
      store(i, std::integral_constant<int, 1>{});
}

// Long runs (whole shifted planes) in 16-wide steps and one masked tail,
// short ones (rows of small maps) covered by full-width stores: each
// measured the faster for its lengths. Zeroing (mostly runs of 0 to 2 at
// the padding) is fastest masked throughout.
EIGEN_ALWAYS_INLINE void copy(const float* from, float* to, std::size_t n) {
#ifdef __AVX512F__
  if (n >= 16) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16)
      _mm512_storeu_ps(to + i, _mm512_loadu_ps(from + i));
    const auto m = tail_mask(n - i);
    _mm512_mask_storeu_ps(to + i, m, _mm512_maskz_loadu_ps(m, from + i));
    return;
  }
#endif
  cover(n, [&](std::size_t i, auto step) {
    constexpr int N = decltype(step)::value;
    fixed_map<N>{to + i} = fixed_cmap<N>{from + i};
  });
}

// Adds stay in fixed-size steps: a masked store followed by an overlapping
// load of the next kernel column measured twice as slow.
EIGEN_ALWAYS_INLINE void add(const float* from, float* to, std::size_t n) {
  short_run(n, [&](std::size_t i, auto step) {
    constexpr int N = decltype(step)::value;
    fixed_map<N>{to + i} += fixed_cmap<N>{from + i};
  });
}

EIGEN_ALWAYS_INLINE void zero(float* to, std::size_t n) {
#ifdef __AVX512F__
  if (n == 0) // most rows of a convolution without padding
    return;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(to + i, _mm512_setzero_ps());
  _mm512_mask_storeu_ps(to + i, tail_mask(n - i), _mm512_setzero_ps());
#else
  cover(n, [&](std::size_t i, auto step) {
    constexpr int N = decltype(step)::value;
    fixed_map<N>{to + i}.setZero();
  });
#endif
}

// Stride 2 (a ResNet's downsampling): to[i] = from[2 i], and the adjoint
// to[2 i] += from[i], for i < n.
EIGEN_ALWAYS_INLINE void copy_even(const float* from, float* to,
                                   std::size_t n) {
#ifdef __AVX512F__
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
                                         22, 24, 26, 28, 30);
  for (std::size_t i = 0; i < n; i += 16) {
    const std::size_t m = std::min<std::size_t>(16, n - i);
    const std::size_t span = 2 * m - 1; // floats read: from[2 i .. 2 i + span)
    const __m512 a = _mm512_maskz_loadu_ps(
      tail_mask(std::min<std::size_t>(span, 16)), from + 2 * i);
    const __m512 b = _mm512_maskz_loadu_ps(tail_mask(span > 16 ? span - 16 : 0),
                                           from + 2 * i + 16);
    _mm512_mask_storeu_ps(to + i, tail_mask(m),
                          _mm512_permutex2var_ps(a, even, b));
  }
#else
  for (std::size_t i = 0; i < n; ++i)
    to[i] = from[2 * i];
#endif
}

EIGEN_ALWAYS_INLINE void add_to_even(const float* from, float* to,
                                     std::size_t n) {
#ifdef __AVX512F__
  // Lanes 2j of the low (high) half take from[j] (from[8 + j]); odd lanes
  // add zero.
  const __m512i low =
    _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i high = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
                                         13, 14, 14, 15, 15);
  constexpr __mmask16 even_lanes = 0x5555;
  for (std::size_t i = 0; i < n; i += 16) {
    const std::size_t m = std::min<std::size_t>(16, n - i);
    const std::size_t span = 2 * m - 1; // floats written
    const __m512 v = _mm512_maskz_loadu_ps(tail_mask(m), from + i);
    float* d = to + 2 * i;
    const __mmask16 ka = tail_mask(std::min<std::size_t>(span, 16));
    const __mmask16 kb = tail_mask(span > 16 ? span - 16 : 0);
    _mm512_mask_storeu_ps(
      d, ka,
      _mm512_add_ps(_mm512_maskz_loadu_ps(ka, d),
                    _mm512_maskz_permutexvar_ps(even_lanes, low, v)));
    _mm512_mask_storeu_ps(
      d + 16, kb,
      _mm512_add_ps(_mm512_maskz_loadu_ps(kb, d + 16),
                    _mm512_maskz_permutexvar_ps(even_lanes, high, v)));
  }
#else
  for (std::size_t i = 0; i < n; ++i)
    to[2 * i] += from[i];
#endif
}

bool is_same(const conv_geometry& g) {
  return g.stride == 1 && 2 * g.padding + 1 == g.kernel;
}

// The output range [lo, hi) whose input index o * stride + k - padding lies
// in [0, size).
std::pair<std::size_t, std::size_t> inside(std::size_t size, std::size_t out,
                                           std::size_t stride, std::size_t k,
                                           std::size_t padding) {
  const auto lead = static_cast<signed_size>(padding) -
                    static_cast<signed_size>(k); // o * stride >= lead
  const auto s = static_cast<signed_size>(stride);
  const auto lo = std::clamp<signed_size>(lead <= 0 ? 0 : (lead + s - 1) / s, 0,
                                          static_cast<signed_size>(out));
  const auto end = static_cast<signed_size>(size) + lead; // o * stride < end
  const auto hi = std::clamp<signed_size>(end <= 0 ? 0 : (end + s - 1) / s, lo,
                                          static_cast<signed_size>(out));
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(hi)};
}

// One kernel offset (ki, kj) of a "same" convolution on one plane: output
// pixel o reads input pixel o + shift, inside the span [first, last) of
// output pixels, except the wrapped columns between rows (gaps), which are
// padding.
struct same_span {
  std::size_t first = 0, last = 0;
  signed_size shift = 0;
  std::size_t rows_lo = 0, rows_hi = 0, cols_lo = 0, cols_hi = 0;

  same_span(const conv_geometry& g, std::size_t ki, std::size_t kj) {
    std::tie(rows_lo, rows_hi) = inside(g.height, g.height, 1, ki, g.padding);
    std::tie(cols_lo, cols_hi) = inside(g.width, g.width, 1, kj, g.padding);
    if (rows_lo >= rows_hi || cols_lo >= cols_hi) {
      rows_lo = rows_hi = 0; // nothing inside: all padding
      return;
    }
    first = rows_lo * g.width + cols_lo;
    last = (rows_hi - 1) * g.width + cols_hi;
    shift =
      (static_cast<signed_size>(ki) - static_cast<signed_size>(g.padding)) *
        static_cast<signed_size>(g.width) +
      static_cast<signed_size>(kj) - static_cast<signed_size>(g.padding);
  }

  // f(start, length) for the wrapped columns between consecutive rows.
  template <class F>
  void gaps(const conv_geometry& g, F f) const {
    const std::size_t length = g.width - cols_hi + cols_lo;
    if (length == 0)
      return;
    for (std::size_t r = rows_lo; r + 1 < rows_hi; ++r)
      f(r * g.width + cols_hi, length);
  }
};

void same_plane(const conv_geometry& g, const same_span& s, const float* in,
                float* out) {
  const std::size_t plane = g.plane();
  zero(out, s.first);
  copy(in + static_cast<signed_size>(s.first) + s.shift, out + s.first,
       s.last - s.first);
  zero(out + s.last, plane - std::max(s.first, s.last));
  s.gaps(g, [&](std::size_t at, std::size_t n) { zero(out + at, n); });
}

void same_plane_adjoint(const conv_geometry& g, const same_span& s, float* dout,
                        float* din) {
  s.gaps(g, [&](std::size_t at, std::size_t n) { zero(dout + at, n); });
  add(dout + s.first, din + static_cast<signed_size>(s.first) + s.shift,
      s.last - s.first);
}

// Row by row, for any stride and padding.
void general_plane(const conv_geometry& g, std::size_t ki, std::size_t kj,
                   const float* in, float* out) {
  auto [rows_lo, rows_hi] =
    inside(g.height, g.out_height, g.stride, ki, g.padding);
  auto [cols_lo, cols_hi] =
    inside(g.width, g.out_width, g.stride, kj, g.padding);
  for (std::size_t ho = 0; ho < g.out_height; ++ho) {
    float* d = out + ho * g.out_width;
    if (ho < rows_lo || ho >= rows_hi) {
      zero(d, g.out_width);
      continue;
    }
    // Input pixel wo * stride + kj - padding of row ho * stride + ki -
    // padding; both are >= 0 inside.
    const float* s = in + (ho * g.stride + ki - g.padding) * g.width;
    zero(d, cols_lo);
    const float* first = s + cols_lo * g.stride + kj - g.padding;
    if (g.stride == 1)
      copy(first, d + cols_lo, cols_hi - cols_lo);
    else if (g.stride == 2)
      copy_even(first, d + cols_lo, cols_hi - cols_lo);
    else
      for (std::size_t wo = cols_lo; wo < cols_hi; ++wo)
        d[wo] = s[wo * g.stride + kj - g.padding];
    zero(d + cols_hi, g.out_width - cols_hi);
  }
}

void general_plane_adjoint(const conv_geometry& g, std::size_t ki,
                           std::size_t kj, const float* dout, float* din) {
  auto [rows_lo, rows_hi] =
    inside(g.height, g.out_height, g.stride, ki, g.padding);
  auto [cols_lo, cols_hi] =
    inside(g.width, g.out_width, g.stride, kj, g.padding);
  for (std::size_t ho = rows_lo; ho < rows_hi; ++ho) {
    const float* s = dout + ho * g.out_width;
    float* d = din + (ho * g.stride + ki - g.padding) * g.width;
    float* first = d + cols_lo * g.stride + kj - g.padding;
    if (g.stride == 1)
      add(s + cols_lo, first, cols_hi - cols_lo);
    else if (g.stride == 2)
      add_to_even(s + cols_lo, first, cols_hi - cols_lo);
    else
      for (std::size_t wo = cols_lo; wo < cols_hi; ++wo)
        d[wo * g.stride + kj - g.padding] += s[wo];
  }
}

// f(ki, kj, image offset, patch offset) for every kernel offset of every
// channel and sample of the tile.
template <class F>
void for_each_plane(const conv_geometry& g, std::size_t rows, std::size_t n0,
                    std::size_t count, F f) {
  const std::size_t k = g.kernel, row_len = count * g.out_plane();
  for (std::size_t c = 0; c < g.channels; ++c)
    for (std::size_t ki = 0; ki < k; ++ki)
      for (std::size_t kj = 0; kj < k; ++kj)
        for (std::size_t t = 0; t < count; ++t)
          f(ki, kj, (c * rows + n0 + t) * g.plane(),
            ((c * k + ki) * k + kj) * row_len + t * g.out_plane());
}

} // namespace

void im2col(const conv_geometry& g, const float* in, std::size_t rows,
            std::size_t n0, std::size_t count, float* cols) {
  const bool same = is_same(g);
  for_each_plane(
    g, rows, n0, count,
    [&](std::size_t ki, std::size_t kj, std::size_t image, std::size_t patch) {
      if (same)
        same_plane(g, same_span{g, ki, kj}, in + image, cols + patch);
      else
        general_plane(g, ki, kj, in + image, cols + patch);
    });
}

void col2im(const conv_geometry& g, float* dcols, std::size_t rows,
            std::size_t n0, std::size_t count, float* din) {
  for (std::size_t c = 0; c < g.channels; ++c)
    zero(din + (c * rows + n0) * g.plane(), count * g.plane());
  const bool same = is_same(g);
  for_each_plane(
    g, rows, n0, count,
    [&](std::size_t ki, std::size_t kj, std::size_t image, std::size_t patch) {
      if (same)
        same_plane_adjoint(g, same_span{g, ki, kj}, dcols + patch, din + image);
      else
        general_plane_adjoint(g, ki, kj, dcols + patch, din + image);
    });
}

} // namespace murmur
