// Group normalisation (Wu & He, ECCV 2018), which decentralized training
// uses instead of BatchNorm: it keeps no running statistics, so every agent's
// model is just its parameters. Per sample, the channels fall into `groups`
// groups; each group is normalised over its channels and pixels with the
// biased variance, then scaled and shifted per channel:
//   y = (x - mean) / sqrt(var + 1e-5) * gamma_c + beta_c
// as PyTorch's nn.GroupNorm. Parameters: gamma [channels], then beta
// [channels]. Forward keeps each (sample, group)'s mean and 1/sqrt(var + eps)
// for backward.
#include "core/model/layers/layer.hpp"

#include <algorithm>
#include <cmath>

namespace murmur {

namespace {

constexpr double eps = 1e-5;

using plane_map = Eigen::Map<const Eigen::ArrayXf>;
using plane_out = Eigen::Map<Eigen::ArrayXf>;

// Work goes plane by plane (one channel of one sample, contiguous in the
// [channels][rows][plane] layout): vectorised float sums per plane,
// combined per group in double.
class group_norm final : public layer {
public:
  group_norm(tensor_shape in, int groups)
    : layer(in, in), channels_(static_cast<std::size_t>(in.channels)),
      groups_(static_cast<std::size_t>(groups)),
      per_group_(channels_ / groups_), plane_(in.plane()) {}

  std::size_t num_params() const override { return 2 * channels_; }

  void init(float* theta, rng&) const override {
    std::fill(theta, theta + channels_, 1.f);
    std::fill(theta + channels_, theta + 2 * channels_, 0.f);
  }

  std::size_t scratch_floats(std::size_t rows) const override {
    return 2 * rows * groups_;
  }

  void forward(const float* theta, const float* in, float* out,
               std::size_t rows, float* stats) const override {
    for (std::size_t n = 0; n < rows; ++n)
      for (std::size_t g = 0; g < groups_; ++g) {
        double sum = 0;
        for_planes(rows, n, g, [&](std::size_t, std::size_t at) {
          sum += plane(in, at).sum();
        });
        const double mean = sum / count();
        const auto m = static_cast<float>(mean);
        double squares = 0;
        for_planes(rows, n, g, [&](std::size_t, std::size_t at) {
          squares += (plane(in, at) - m).square().sum();
        });
        const double rstd = 1 / std::sqrt(squares / count() + eps);
        stats[mean_at(n, g)] = m;
        stats[rstd_at(rows, n, g)] = static_cast<float>(rstd);
        for_planes(rows, n, g, [&](std::size_t c, std::size_t at) {
          // y = x a + b with a = rstd gamma, b = beta - mean a.
          const double a = rstd * theta[c];
          plane_out{out + at, static_cast<Eigen::Index>(plane_)} =
            plane(in, at) * static_cast<float>(a) +
            static_cast<float>(theta[channels_ + c] - mean * a);
        });
      }
  }

  // With xhat = (x - mean) rstd and dxhat = dout gamma:
  // din = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) over the group.
  void backward(const float* theta, const float* in, const float*,
                const float* dout, float* din, float* grad, std::size_t rows,
                float* stats) const override {
    affine_gradient(in, dout, grad, rows, stats);
    if (din == nullptr)
      return;
    for (std::size_t n = 0; n < rows; ++n)
      for (std::size_t g = 0; g < groups_; ++g) {
        const float m = stats[mean_at(n, g)];
        const float rstd = stats[rstd_at(rows, n, g)];
        double sum = 0, dot = 0; // of dxhat, of dxhat xhat
        for_planes(rows, n, g, [&](std::size_t c, std::size_t at) {
          sum += theta[c] * plane(dout, at).sum();
          dot += theta[c] * (plane(dout, at) * (plane(in, at) - m)).sum();
        });
        const auto a = static_cast<float>(sum / count());
        const auto b = static_cast<float>(dot * rstd / count());
        for_planes(rows, n, g, [&](std::size_t c, std::size_t at) {
          plane_out{din + at, static_cast<Eigen::Index>(plane_)} =
            rstd *
            (plane(dout, at) * theta[c] - a - (plane(in, at) - m) * (rstd * b));
        });
      }
  }

private:
  double count() const { return static_cast<double>(per_group_ * plane_); }
  plane_map plane(const float* p, std::size_t at) const {
    return {p + at, static_cast<Eigen::Index>(plane_)};
  }
  // stats: the means of every (sample, group), then their 1/sqrt(var+eps).
  std::size_t mean_at(std::size_t n, std::size_t g) const {
    return n * groups_ + g;
  }
  std::size_t rstd_at(std::size_t rows, std::size_t n, std::size_t g) const {
    return rows * groups_ + n * groups_ + g;
  }

  // f(channel, offset of its plane) over group g of sample n.
  template <class F>
  void for_planes(std::size_t rows, std::size_t n, std::size_t g, F f) const {
    for (std::size_t c = g * per_group_; c < (g + 1) * per_group_; ++c)
      f(c, (c * rows + n) * plane_);
  }

  // d/dgamma_c = sum dout xhat and d/dbeta_c = sum dout, over samples and
  // pixels, each channel summed in sample order.
  void affine_gradient(const float* in, const float* dout, float* grad,
                       std::size_t rows, const float* stats) const {
    for (std::size_t c = 0; c < channels_; ++c) {
      const std::size_t g = c / per_group_;
      double dgamma = 0, dbeta = 0;
      for (std::size_t n = 0; n < rows; ++n) {
        const std::size_t at = (c * rows + n) * plane_;
        const float m = stats[mean_at(n, g)];
        const double rstd = stats[rstd_at(rows, n, g)];
        dgamma += rstd * (plane(dout, at) * (plane(in, at) - m)).sum();
        dbeta += plane(dout, at).sum();
      }
      grad[c] = static_cast<float>(dgamma);
      grad[channels_ + c] = static_cast<float>(dbeta);
    }
  }

  std::size_t channels_;
  std::size_t groups_;
  std::size_t per_group_;
  std::size_t plane_;
};

} // namespace

std::unique_ptr<layer> make_group_norm(const layer_spec& spec, tensor_shape in,
                                       const std::string& where) {
  if (in.flat)
    shape_error(where, spec.kind,
                "needs an image input (channels x height x width), got " +
                  to_string(in));
  if (in.channels % spec.groups != 0)
    shape_error(where, spec.kind,
                "groups = " + std::to_string(spec.groups) +
                  " does not divide the " + std::to_string(in.channels) +
                  " channels of its " + to_string(in) + " input");
  return std::make_unique<group_norm>(in, spec.groups);
}

} // namespace murmur
