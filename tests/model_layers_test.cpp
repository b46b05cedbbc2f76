// Each layer against an independent double-precision oracle of its forward
// pass (direct loops over PyTorch's parameter layout and murmur's tensor
// layouts, tensor.hpp) and its backward pass against central finite
// differences of a random linear functional of its output.
#include "core/model/layers/sequence.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace murmur;

namespace {

vec normal_vec(std::size_t n, std::uint64_t seed, float scale = 1) {
  rng gen{seed};
  std::normal_distribution<float> normal{0, scale};
  vec v(static_cast<Eigen::Index>(n));
  for (auto& x : v)
    x = normal(gen);
  return v;
}

// Values at least 0.05 away from each other's neighbours and from 0 (a
// shuffled grid), so finite differences of step 0.01 never cross a kink of
// ReLU or max pooling.
vec kink_free_vec(std::size_t n, std::uint64_t seed) {
  vec v(static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const float step = 0.05f * static_cast<float>(i + 1);
    v[static_cast<Eigen::Index>(i)] = i % 2 ? step : -step;
  }
  rng gen{seed};
  std::shuffle(v.begin(), v.end(), gen);
  return v;
}

layer_spec spec_of(layer_kind kind) {
  layer_spec s;
  s.kind = kind;
  return s;
}

layer_spec conv(int out, int kernel, int stride, int padding,
                bool bias = true) {
  auto s = spec_of(layer_kind::conv2d);
  s.out = out;
  s.kernel = kernel;
  s.stride = stride;
  s.padding = padding;
  s.bias = bias;
  return s;
}

layer_spec pool(layer_kind kind, int kernel, int stride) {
  auto s = spec_of(kind);
  s.kernel = kernel;
  s.stride = stride;
  return s;
}

layer_spec norm(int groups) {
  auto s = spec_of(layer_kind::groupnorm);
  s.groups = groups;
  return s;
}

layer_spec linear(int out) {
  auto s = spec_of(layer_kind::linear);
  s.out = out;
  return s;
}

// A sequence with inputs, parameters and a probe r: loss = sum r . output,
// so d(loss)/d(output) = r.
struct probe {
  sequence seq;
  std::size_t rows;
  vec theta, x, r, arena;

  probe(std::vector<layer_spec> specs, tensor_shape in, std::size_t n,
        vec input, std::uint64_t seed)
    : seq(specs, in, "test"), rows(n), x(std::move(input)) {
    theta = normal_vec(seq.num_params(), seed, 0.5f);
    r = normal_vec(n * seq.output().size(), seed + 1);
    arena.resize(static_cast<Eigen::Index>(seq.arena_floats(n)));
  }

  const float* output() {
    return seq.forward(theta.data(), x.data(), rows, arena.data());
  }

  double loss() {
    const float* y = output();
    double sum = 0;
    for (Eigen::Index i = 0; i < r.size(); ++i)
      sum += double{r[i]} * y[i];
    return sum;
  }

  // Backprop's gradients for parameters and input.
  std::pair<vec, vec> gradients() {
    vec grad(theta.size()), dx(x.size());
    output();
    seq.backward(theta.data(), x.data(), r.data(), dx.data(), grad.data(), rows,
                 arena.data());
    return {grad, dx};
  }

  // Central differences over `of` (theta or x) at every index in `at`.
  std::vector<double> numeric(vec& of, const std::vector<Eigen::Index>& at,
                              float h) {
    std::vector<double> result;
    for (auto i : at) {
      const float saved = of[i];
      of[i] = saved + h;
      const double up = loss();
      of[i] = saved - h;
      const double down = loss();
      of[i] = saved;
      result.push_back((up - down) / (2.0 * h));
    }
    return result;
  }
};

// All indices when there are few, else `count` evenly spaced ones.
std::vector<Eigen::Index> spread(Eigen::Index n, Eigen::Index count = 300) {
  std::vector<Eigen::Index> at;
  const Eigen::Index step = std::max<Eigen::Index>(1, n / count);
  for (Eigen::Index i = 0; i < n; i += step)
    at.push_back(i);
  return at;
}

double relative_error(const vec& got, const std::vector<Eigen::Index>& at,
                      const std::vector<double>& want) {
  double diff = 0, norm = 0;
  for (std::size_t k = 0; k < at.size(); ++k) {
    diff += std::pow(got[at[k]] - want[k], 2);
    norm += want[k] * want[k];
  }
  return std::sqrt(diff / norm);
}

// Backprop against finite differences for parameters and input.
void check_gradients(probe& p, float h = 0.01f, double tolerance = 1e-3) {
  auto [grad, dx] = p.gradients();
  if (p.theta.size() > 0) {
    auto at = spread(p.theta.size());
    const double err = relative_error(grad, at, p.numeric(p.theta, at, h));
    CAPTURE(err);
    CHECK(err < tolerance);
  }
  auto at = spread(p.x.size());
  const double err = relative_error(dx, at, p.numeric(p.x, at, h));
  CAPTURE(err);
  CHECK(err < tolerance);
}

// Element (c, n, i, j) of a spatial batch of `rows`: [c][n][h][w].
struct spatial_view {
  const float* data;
  std::size_t rows;
  int h, w;
  double operator()(int c, std::size_t n, int i, int j) const {
    return data[((static_cast<std::size_t>(c) * rows + n) * h + i) * w + j];
  }
};

double max_abs_diff(const float* got, const std::vector<double>& want) {
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - want[i]));
  return worst;
}

// Direct convolution in double: W [out][in][k][k] then bias.
std::vector<double> direct_conv(const probe& p, tensor_shape in,
                                const layer_spec& s) {
  const auto out = p.seq.output();
  spatial_view x{p.x.data(), p.rows, in.height, in.width};
  const int k = s.kernel, cin = in.channels;
  std::vector<double> y(p.rows * out.size());
  for (int o = 0; o < out.channels; ++o)
    for (std::size_t n = 0; n < p.rows; ++n)
      for (int i = 0; i < out.height; ++i)
        for (int j = 0; j < out.width; ++j) {
          double sum = s.bias ? p.theta[out.channels * cin * k * k + o] : 0;
          for (int c = 0; c < cin; ++c)
            for (int ki = 0; ki < k; ++ki)
              for (int kj = 0; kj < k; ++kj) {
                const int hi = i * s.stride - s.padding + ki;
                const int wi = j * s.stride - s.padding + kj;
                if (hi < 0 || hi >= in.height || wi < 0 || wi >= in.width)
                  continue;
                sum +=
                  p.theta[((o * cin + c) * k + ki) * k + kj] * x(c, n, hi, wi);
              }
          y[((o * p.rows + n) * out.height + i) * out.width + j] = sum;
        }
  return y;
}

} // namespace

TEST_CASE("conv2d: direct convolution and finite differences, with stride, "
          "padding, tiles and the 1x1 fast path") {
  struct setting {
    tensor_shape in;
    layer_spec conv;
    std::size_t rows;
  };
  const std::vector<setting> settings{
    {tensor_shape::spatial(3, 7, 6), conv(5, 3, 2, 1), 3},
    {tensor_shape::spatial(1, 9, 9), conv(4, 5, 1, 2), 2},
    // 16 x 9 x 784 patches outgrow one tile: one sample per tile.
    {tensor_shape::spatial(16, 28, 28), conv(3, 3, 1, 1, false), 3},
    {tensor_shape::spatial(4, 5, 5), conv(6, 1, 1, 0), 3},
    {tensor_shape::spatial(4, 5, 5), conv(6, 1, 2, 0, false), 2},
    {tensor_shape::spatial(2, 4, 4), conv(3, 3, 1, 3), 2}, // padding > k/2
    // Stride 2 over rows of 21 outputs: a full 16-wide step and a tail.
    {tensor_shape::spatial(2, 5, 41), conv(3, 3, 2, 1), 2},
  };
  for (std::size_t k = 0; k < settings.size(); ++k) {
    CAPTURE(k);
    auto& s = settings[k];
    probe p{
      {s.conv}, s.in, s.rows, normal_vec(s.rows * s.in.size(), 30 + k), 40 + k};
    auto want = direct_conv(p, s.in, s.conv);
    CHECK(max_abs_diff(p.output(), want) < 1e-4);
    check_gradients(p);
  }
}

TEST_CASE("conv2d output shapes follow PyTorch's formula") {
  sequence a{{conv(6, 5, 1, 2)}, tensor_shape::spatial(1, 28, 28), "t"};
  CHECK(a.output() == tensor_shape::spatial(6, 28, 28));
  sequence b{{conv(8, 3, 2, 1)}, tensor_shape::spatial(2, 7, 6), "t"};
  CHECK(b.output() == tensor_shape::spatial(8, 4, 3));
  CHECK(b.num_params() == 8 * 2 * 9 + 8);
  sequence c{{conv(8, 3, 2, 1, false)}, tensor_shape::spatial(2, 7, 6), "t"};
  CHECK(c.num_params() == 8 * 2 * 9);
}

TEST_CASE("max and average pooling: direct windows and finite differences") {
  const auto in = tensor_shape::spatial(2, 6, 5);
  const std::size_t rows = 3;
  for (auto kind : {layer_kind::maxpool, layer_kind::avgpool})
    for (auto [k, s] : {std::pair{2, 2}, std::pair{3, 2}}) {
      CAPTURE(to_string(kind));
      CAPTURE(k);
      probe p{
        {pool(kind, k, s)}, in, rows, kink_free_vec(rows * in.size(), 5), 6};
      const auto out = p.seq.output();
      CHECK(out == tensor_shape::spatial(2, (6 - k) / s + 1, (5 - k) / s + 1));
      spatial_view x{p.x.data(), rows, 6, 5};
      std::vector<double> want;
      for (int c = 0; c < 2; ++c)
        for (std::size_t n = 0; n < rows; ++n)
          for (int i = 0; i < out.height; ++i)
            for (int j = 0; j < out.width; ++j) {
              double best = -1e30, sum = 0;
              for (int a = 0; a < k; ++a)
                for (int b = 0; b < k; ++b) {
                  best = std::max(best, x(c, n, i * s + a, j * s + b));
                  sum += x(c, n, i * s + a, j * s + b);
                }
              want.push_back(kind == layer_kind::maxpool ? best
                                                         : sum / (k * k));
            }
      CHECK(max_abs_diff(p.output(), want) < 1e-6);
      check_gradients(p);
    }
}

TEST_CASE("ReLU: forward and finite differences, also in place") {
  const auto in = tensor_shape::spatial(3, 4, 4);
  probe alone{{spec_of(layer_kind::relu)}, in, 2, kink_free_vec(96, 8), 9};
  const float* y = alone.output();
  for (Eigen::Index i = 0; i < alone.x.size(); ++i)
    CHECK(y[i] == std::max(alone.x[i], 0.f));
  check_gradients(alone);
  // After a convolution the ReLU overwrites the convolution's buffer.
  probe chained{{conv(2, 3, 1, 1), spec_of(layer_kind::relu)},
                in,
                2,
                kink_free_vec(96, 10),
                11};
  check_gradients(chained, 0.002f);
}

TEST_CASE("flatten orders features as PyTorch's view: channel, row, column") {
  const auto in = tensor_shape::spatial(3, 2, 2);
  const std::size_t rows = 2;
  probe p{{spec_of(layer_kind::flatten)}, in, rows, normal_vec(24, 12), 13};
  CHECK(p.seq.output() == tensor_shape::features(12));
  const float* y = p.output();
  spatial_view x{p.x.data(), rows, 2, 2};
  for (std::size_t n = 0; n < rows; ++n)
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          CHECK(y[n * 12 + (c * 2 + i) * 2 + j] == x(c, n, i, j));
  check_gradients(p);
  // One channel: a view of the input itself.
  probe view{{spec_of(layer_kind::flatten)},
             tensor_shape::spatial(1, 3, 3),
             2,
             normal_vec(18, 14),
             15};
  CHECK(view.output() == view.x.data());
  check_gradients(view);
}

TEST_CASE("linear: forward against a direct product, finite differences") {
  const std::size_t rows = 4;
  probe p{{linear(3)}, tensor_shape::features(5), rows, normal_vec(20, 16), 17};
  const float* y = p.output();
  for (std::size_t n = 0; n < rows; ++n)
    for (int o = 0; o < 3; ++o) {
      double want = p.theta[15 + o]; // bias after W [3, 5]
      for (int i = 0; i < 5; ++i)
        want += double{p.theta[o * 5 + i]} * p.x[n * 5 + i];
      CHECK(y[n * 3 + o] == doctest::Approx(want).epsilon(1e-5));
    }
  check_gradients(p);
}

TEST_CASE("GroupNorm: per-sample group statistics, affine per channel, "
          "finite differences") {
  const auto in = tensor_shape::spatial(4, 3, 3);
  const std::size_t rows = 3;
  probe p{{norm(2)}, in, rows, normal_vec(rows * in.size(), 18, 2), 19};
  CHECK(p.seq.num_params() == 8);
  spatial_view x{p.x.data(), rows, 3, 3};
  std::vector<double> want(rows * in.size());
  for (std::size_t n = 0; n < rows; ++n)
    for (int g = 0; g < 2; ++g) {
      double mean = 0, var = 0;
      for (int c = 2 * g; c < 2 * g + 2; ++c)
        for (int i = 0; i < 9; ++i)
          mean += x(c, n, i / 3, i % 3) / 18;
      for (int c = 2 * g; c < 2 * g + 2; ++c)
        for (int i = 0; i < 9; ++i)
          var += std::pow(x(c, n, i / 3, i % 3) - mean, 2) / 18;
      for (int c = 2 * g; c < 2 * g + 2; ++c)
        for (int i = 0; i < 9; ++i)
          want[(c * rows + n) * 9 + i] = (x(c, n, i / 3, i % 3) - mean) /
                                           std::sqrt(var + 1e-5) * p.theta[c] +
                                         p.theta[4 + c];
    }
  CHECK(max_abs_diff(p.output(), want) < 1e-5);
  check_gradients(p, 0.01f, 2e-3);

  vec theta(8);
  rng gen{1};
  p.seq.init(theta.data(), gen); // gamma 1, beta 0: plain normalisation
  CHECK(theta.head(4).isOnes(0));
  CHECK(theta.tail(4).isZero(0));
}

TEST_CASE("residual block: body plus shortcut, identity or projected") {
  const auto in = tensor_shape::spatial(2, 6, 6);
  const std::size_t rows = 2;
  auto block = spec_of(layer_kind::residual);
  block.body = {conv(2, 3, 1, 1), spec_of(layer_kind::relu), conv(2, 3, 1, 1)};
  SUBCASE("identity shortcut") {
    probe p{{block}, in, rows, kink_free_vec(rows * in.size(), 20), 21};
    // The body alone, on the same parameters, plus the input.
    probe body{block.body, in, rows, p.x, 21};
    body.theta = p.theta;
    const float* y = p.output();
    const float* f = body.output();
    for (Eigen::Index i = 0; i < p.x.size(); ++i)
      CHECK(y[i] == doctest::Approx(f[i] + p.x[i]).epsilon(1e-6));
    check_gradients(p, 0.002f);
  }
  SUBCASE("strided body with a 1x1 convolution and GroupNorm shortcut") {
    block.body[0] = conv(4, 3, 2, 1);
    block.body[2] = conv(4, 3, 1, 1);
    block.shortcut = {conv(4, 1, 2, 0, false), norm(2)};
    probe p{{block}, in, rows, kink_free_vec(rows * in.size(), 22), 23};
    CHECK(p.seq.output() == tensor_shape::spatial(4, 3, 3));
    CHECK(p.seq.num_params() == (4 * 2 * 9 + 4) + (4 * 4 * 9 + 4) + 4 * 2 + 8);
    check_gradients(p, 0.002f, 2e-3);
  }
}
