// 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d) with square
// kernels, stride and zero padding. Parameters: W [out, in, k, k] row-major
// (PyTorch's weight layout), then b [out].
//
// Lowered to GEMM (im2col): the patches of a tile of samples become the
// columns of a [in*k*k, tile*out_plane] matrix, so one product
// W [out, in*k*k] x cols covers the whole tile and the batch is folded into
// the GEMM's N dimension. Tiles are sized to keep the patch matrix in the
// core's L2 cache, where the GEMM then reads it; backward rebuilds each tile
// rather than keeping every patch matrix of the batch. A 1x1 convolution
// with stride 1 and no padding needs no patches at all: the input is the
// patch matrix.
#include "core/model/layers/layer.hpp"

#include <algorithm>
#include <cstring>

namespace murmur {

namespace {

using index = Eigen::Index;

// Floats of the patch matrix per tile: 256 KiB, a quarter of the L2 cache,
// leaving room for the GEMM's packed blocks.
constexpr std::size_t tile_floats = 64 * 1024;

struct conv_geometry {
  std::size_t channels, height, width; // input
  std::size_t kernel, stride, padding;
  std::size_t out_height, out_width;

  std::size_t plane() const { return height * width; }
  std::size_t out_plane() const { return out_height * out_width; }
  std::size_t patch() const { return channels * kernel * kernel; }
};

// Marks a kernel row that falls in the vertical padding.
constexpr std::size_t padding_row = std::size_t(-1);

// The output columns [lo, hi) of a stride-1 kernel column kj whose input
// column wo - padding + kj lies inside the image.
std::pair<std::size_t, std::size_t> inside(const conv_geometry& g,
                                           std::size_t kj) {
  const auto shift =
    static_cast<std::ptrdiff_t>(g.padding) - static_cast<std::ptrdiff_t>(kj);
  const auto width = static_cast<std::ptrdiff_t>(g.width);
  const auto out = static_cast<std::ptrdiff_t>(g.out_width);
  const auto hi = std::clamp<std::ptrdiff_t>(width + shift, 0, out);
  const auto lo = std::clamp<std::ptrdiff_t>(shift, 0, hi);
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(hi)};
}

// The walk im2col and its adjoint share: for every patch-matrix row
// r = (c, ki, kj) and every output row `ho` of samples [n0, n0 + count) of a
// [channels][rows][plane] tensor, calls segment(patch_at, image_at, kj) with
// the offset of that output row's segment in the patch matrix and the offset
// of the input image row it reads (padding_row when it falls in the
// padding).
template <class Segment>
void walk_patches(const conv_geometry& g, std::size_t rows, std::size_t n0,
                  std::size_t count, Segment segment) {
  const std::size_t k = g.kernel;
  const std::size_t row_len = count * g.out_plane();
  for (std::size_t c = 0; c < g.channels; ++c)
    for (std::size_t ki = 0; ki < k; ++ki)
      for (std::size_t kj = 0; kj < k; ++kj) {
        const std::size_t r = (c * k + ki) * k + kj;
        for (std::size_t t = 0; t < count; ++t) {
          const std::size_t image = (c * rows + n0 + t) * g.plane();
          const std::size_t patch = r * row_len + t * g.out_plane();
          for (std::size_t ho = 0; ho < g.out_height; ++ho) {
            const auto hi = static_cast<std::ptrdiff_t>(ho * g.stride + ki) -
                            static_cast<std::ptrdiff_t>(g.padding);
            const bool valid =
              hi >= 0 && hi < static_cast<std::ptrdiff_t>(g.height);
            segment(patch + ho * g.out_width,
                    valid ? image + static_cast<std::size_t>(hi) * g.width
                          : padding_row,
                    kj);
          }
        }
      }
}

class conv2d final : public layer {
public:
  conv2d(tensor_shape in, tensor_shape out, const layer_spec& spec)
    : layer(in, out), g_{static_cast<std::size_t>(in.channels),
                         static_cast<std::size_t>(in.height),
                         static_cast<std::size_t>(in.width),
                         static_cast<std::size_t>(spec.kernel),
                         static_cast<std::size_t>(spec.stride),
                         static_cast<std::size_t>(spec.padding),
                         static_cast<std::size_t>(out.height),
                         static_cast<std::size_t>(out.width)},
      out_(static_cast<std::size_t>(spec.out)), bias_(spec.bias),
      tile_(
        std::max<std::size_t>(1, tile_floats / (g_.patch() * g_.out_plane()))) {
  }

  std::size_t num_params() const override {
    return out_ * (g_.patch() + (bias_ ? 1 : 0));
  }

  void init(float* theta, rng& gen) const override {
    he_uniform(theta, out_ * g_.patch(), g_.patch(), gen);
    if (bias_)
      std::fill(theta + out_ * g_.patch(), theta + num_params(), 0.f);
  }

  std::size_t scratch_floats(std::size_t rows) const override {
    return pointwise() ? 0
                       : g_.patch() * std::min(tile_, rows) * g_.out_plane();
  }

  void forward(const float* theta, const float* in, float* out,
               std::size_t rows, float* scratch) const override {
    auto y = matrix(out, out_, rows * g_.out_plane());
    auto w = weights(theta);
    if (pointwise()) {
      set_bias(theta, y);
      y.noalias() += w * matrix(in, g_.channels, rows * g_.plane());
      return;
    }
    for (std::size_t n0 = 0; n0 < rows; n0 += tile_) {
      const auto count = std::min(tile_, rows - n0);
      auto cols = im2col(in, rows, n0, count, scratch);
      auto y_tile = y.middleCols(cols_of(n0), cols.cols());
      set_bias(theta, y_tile);
      y_tile.noalias() += w * cols;
    }
  }

  void backward(const float* theta, const float* in, const float*,
                const float* dout, float* din, float* grad, std::size_t rows,
                float* scratch) const override {
    auto dy = matrix(dout, out_, rows * g_.out_plane());
    auto dw = matrix(grad, out_, g_.patch());
    if (bias_)
      vec_map{grad + out_ * g_.patch(), static_cast<index>(out_)} =
        dy.rowwise().sum();
    if (pointwise()) {
      auto x = matrix(in, g_.channels, rows * g_.plane());
      dw.noalias() = dy * x.transpose();
      if (din != nullptr)
        matrix(din, g_.channels, rows * g_.plane()).noalias() =
          weights(theta).transpose() * dy;
      return;
    }
    for (std::size_t n0 = 0; n0 < rows; n0 += tile_) {
      const auto count = std::min(tile_, rows - n0);
      auto cols = im2col(in, rows, n0, count, scratch);
      auto dy_tile = dy.middleCols(cols_of(n0), cols.cols());
      if (n0 == 0)
        dw.noalias() = dy_tile * cols.transpose();
      else
        dw.noalias() += dy_tile * cols.transpose();
      if (din == nullptr)
        continue;
      cols.noalias() = weights(theta).transpose() * dy_tile;
      col2im(scratch, rows, n0, count, din);
    }
  }

  double forward_flops(std::size_t rows) const override {
    return 2.0 * static_cast<double>(out_ * g_.patch()) *
           static_cast<double>(rows * g_.out_plane());
  }
  double backward_flops(std::size_t rows, bool input_grad) const override {
    return forward_flops(rows) * (input_grad ? 2 : 1);
  }

private:
  bool pointwise() const {
    return g_.kernel == 1 && g_.stride == 1 && g_.padding == 0;
  }
  index cols_of(std::size_t n0) const {
    return static_cast<index>(n0 * g_.out_plane());
  }
  static row_matrix_map matrix(float* p, std::size_t r, std::size_t c) {
    return param_matrix(p, r, c);
  }
  static const_row_matrix_map matrix(const float* p, std::size_t r,
                                     std::size_t c) {
    return param_matrix(p, r, c);
  }
  const_row_matrix_map weights(const float* theta) const {
    return matrix(theta, out_, g_.patch());
  }

  template <class Block>
  void set_bias(const float* theta, Block&& y) const {
    if (bias_)
      y.colwise() =
        const_vec_map{theta + out_ * g_.patch(), static_cast<index>(out_)};
    else
      y.setZero();
  }

  // The patch matrix of samples [n0, n0 + count) in `scratch`.
  row_matrix_map im2col(const float* in, std::size_t rows, std::size_t n0,
                        std::size_t count, float* scratch) const {
    walk_patches(
      g_, rows, n0, count,
      [&](std::size_t dst, std::size_t src, std::size_t kj) {
        float* d = scratch + dst;
        if (src == padding_row) {
          std::fill(d, d + g_.out_width, 0.f);
          return;
        }
        const float* s = in + src;
        if (g_.stride == 1) {
          auto [lo, hi] = inside(g_, kj);
          std::fill(d, d + lo, 0.f);
          std::memcpy(d + lo, s + lo + kj - g_.padding,
                      (hi - lo) * sizeof(float));
          std::fill(d + hi, d + g_.out_width, 0.f);
          return;
        }
        for (std::size_t wo = 0; wo < g_.out_width; ++wo) {
          const auto wi = static_cast<std::ptrdiff_t>(wo * g_.stride + kj) -
                          static_cast<std::ptrdiff_t>(g_.padding);
          d[wo] =
            wi >= 0 && wi < static_cast<std::ptrdiff_t>(g_.width) ? s[wi] : 0.f;
        }
      });
    return matrix(scratch, g_.patch(), count * g_.out_plane());
  }

  // The adjoint of im2col: adds the patch-matrix gradient in `scratch` back
  // onto the input gradient of samples [n0, n0 + count), which it zeroes
  // first.
  void col2im(const float* scratch, std::size_t rows, std::size_t n0,
              std::size_t count, float* din) const {
    for (std::size_t c = 0; c < g_.channels; ++c) {
      float* first = din + (c * rows + n0) * g_.plane();
      std::fill(first, first + count * g_.plane(), 0.f);
    }
    walk_patches(g_, rows, n0, count,
                 [&](std::size_t src, std::size_t dst, std::size_t kj) {
                   if (dst == padding_row)
                     return;
                   const float* s = scratch + src;
                   float* d = din + dst;
                   if (g_.stride == 1) {
                     auto [lo, hi] = inside(g_, kj);
                     for (std::size_t wo = lo; wo < hi; ++wo)
                       d[wo + kj - g_.padding] += s[wo];
                     return;
                   }
                   for (std::size_t wo = 0; wo < g_.out_width; ++wo) {
                     const auto wi =
                       static_cast<std::ptrdiff_t>(wo * g_.stride + kj) -
                       static_cast<std::ptrdiff_t>(g_.padding);
                     if (wi >= 0 && wi < static_cast<std::ptrdiff_t>(g_.width))
                       d[wi] += s[wo];
                   }
                 });
  }

  conv_geometry g_;
  std::size_t out_;
  bool bias_;
  std::size_t tile_; // samples per patch-matrix tile
};

} // namespace

std::unique_ptr<layer> make_conv2d(const layer_spec& spec, tensor_shape in,
                                   const std::string& where) {
  if (in.flat)
    shape_error(where, spec.kind,
                "needs an image input (channels x height x width), got " +
                  to_string(in));
  const int reach_h = in.height + 2 * spec.padding;
  const int reach_w = in.width + 2 * spec.padding;
  if (reach_h < spec.kernel || reach_w < spec.kernel)
    shape_error(where, spec.kind,
                "kernel " + std::to_string(spec.kernel) + " with padding " +
                  std::to_string(spec.padding) + " does not fit the " +
                  to_string(in) + " input");
  auto out =
    tensor_shape::spatial(spec.out, (reach_h - spec.kernel) / spec.stride + 1,
                          (reach_w - spec.kernel) / spec.stride + 1);
  return std::make_unique<conv2d>(in, out, spec);
}

} // namespace murmur
