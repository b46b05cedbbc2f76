// 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d) with square
// kernels, stride and zero padding. Parameters: W [out, in, k, k] row-major
// (PyTorch's weight layout), then b [out].
//
// Lowered to GEMM (im2col): the patches of a tile of samples become the
// columns of a [in*k*k, tile*out_plane] matrix, so one product
// W [out, in*k*k] x cols covers the whole tile and the batch is folded into
// the GEMM's N dimension. When the whole batch's patch matrix is small, the
// tile is the batch and backward reuses the matrix forward built (building
// it costs about as much as the product for few channels). Larger ones are
// cut into tiles that fit the core's L2 cache, where the GEMM then reads
// them, and backward rebuilds each tile. A 1x1 convolution with stride 1 and
// no padding needs no patches at all: the input is the patch matrix. With
// few output channels (LeNet's 6 and 16, a ResNet's first stage) the
// products have one short side, and the short-side kernels
// (short_gemm.hpp) run them at GEMM speed where Eigen's GEMM does not.
#include "core/model/layers/im2col.hpp"
#include "core/model/layers/layer.hpp"
#include "core/model/layers/short_gemm.hpp"

#include <algorithm>

namespace murmur {

namespace {

using index = Eigen::Index;

// A batch's patch matrix up to this many floats (4 MiB) is kept from forward
// to backward.
constexpr std::size_t keep_floats = 1024 * 1024;
// Otherwise, floats of the patch matrix per tile: 256 KiB, a quarter of the
// L2 cache, leaving room for the GEMM's packed blocks.
constexpr std::size_t tile_floats = 64 * 1024;

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
      out_(static_cast<std::size_t>(spec.out)), bias_(spec.bias) {}

  std::size_t num_params() const override {
    return out_ * (g_.patch() + (bias_ ? 1 : 0));
  }

  void init(float* theta, rng& gen) const override {
    he_uniform(theta, out_ * g_.patch(), g_.patch(), gen);
    if (bias_)
      std::fill(theta + out_ * g_.patch(), theta + num_params(), 0.f);
  }

  std::size_t scratch_floats(std::size_t rows) const override {
    return pointwise() ? 0 : tile(rows) * g_.patch() * g_.out_plane();
  }

  // The patch matrix x [patch, n] (row stride ldx) is the input itself for
  // a pointwise convolution, else built per tile in `scratch`.
  void forward(const float* theta, const float* in, float* out,
               std::size_t rows, float* scratch) const override {
    const std::size_t ld = rows * g_.out_plane(); // of the output
    if (pointwise())
      return product(theta, in, ld, ld, out, ld);
    const auto tile_rows = tile(rows);
    for (std::size_t n0 = 0; n0 < rows; n0 += tile_rows) {
      const auto n = std::min(tile_rows, rows - n0) * g_.out_plane();
      im2col(g_, in, rows, n0, n / g_.out_plane(), scratch);
      product(theta, scratch, n, n, out + n0 * g_.out_plane(), ld);
    }
  }

  void backward(const float* theta, const float* in, const float*,
                const float* dout, float* din, float* grad, std::size_t rows,
                float* scratch) const override {
    const std::size_t ld = rows * g_.out_plane();
    if (bias_)
      vec_map{grad + out_ * g_.patch(), static_cast<index>(out_)} =
        param_matrix(dout, out_, ld).rowwise().sum();
    if (pointwise()) {
      weight_gradient(dout, ld, in, ld, ld, grad, false);
      if (din != nullptr)
        input_gradient(theta, dout, ld, ld, din, ld);
      return;
    }
    const auto tile_rows = tile(rows);
    const bool kept = tile_rows == rows; // forward's patches are still there
    for (std::size_t n0 = 0; n0 < rows; n0 += tile_rows) {
      const auto count = std::min(tile_rows, rows - n0);
      const auto n = count * g_.out_plane();
      if (!kept)
        im2col(g_, in, rows, n0, count, scratch);
      const float* dy = dout + n0 * g_.out_plane();
      weight_gradient(dy, ld, scratch, n, n, grad, n0 > 0);
      if (din == nullptr)
        continue;
      input_gradient(theta, dy, ld, n, scratch, n); // the patches' gradient
      col2im(g_, scratch, rows, n0, count, din);
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
  // Samples per tile (see the top of the file).
  std::size_t tile(std::size_t rows) const {
    const std::size_t per_sample = g_.patch() * g_.out_plane();
    if (rows * per_sample <= keep_floats)
      return std::max<std::size_t>(rows, 1);
    return std::max<std::size_t>(1, tile_floats / per_sample);
  }

  bool pointwise() const {
    return g_.kernel == 1 && g_.stride == 1 && g_.padding == 0;
  }
  // With few output channels the short-side kernels; else Eigen's GEMM.
  bool short_side() const { return out_ <= short_rows; }

  using strided = Eigen::Map<const row_matrix, 0, Eigen::OuterStride<>>;
  using strided_out = Eigen::Map<row_matrix, 0, Eigen::OuterStride<>>;
  static strided view(const float* p, std::size_t r, std::size_t c,
                      std::size_t ld) {
    return {p, static_cast<index>(r), static_cast<index>(c),
            Eigen::OuterStride<>(static_cast<index>(ld))};
  }
  static strided_out view(float* p, std::size_t r, std::size_t c,
                          std::size_t ld) {
    return {p, static_cast<index>(r), static_cast<index>(c),
            Eigen::OuterStride<>(static_cast<index>(ld))};
  }
  const float* bias(const float* theta) const {
    return bias_ ? theta + out_ * g_.patch() : nullptr;
  }

  // y [out, n] = W x + b for patches x [patch, n].
  void product(const float* theta, const float* x, std::size_t ldx,
               std::size_t n, float* y, std::size_t ldy) const {
    if (short_side())
      return short_times(theta, out_, g_.patch(), x, ldx, n, bias(theta), y,
                         ldy);
    auto out = view(y, out_, n, ldy);
    if (bias_)
      out.colwise() = const_vec_map{bias(theta), static_cast<index>(out_)};
    else
      out.setZero();
    out.noalias() +=
      param_matrix(theta, out_, g_.patch()) * view(x, g_.patch(), n, ldx);
  }

  // dW (+)= dy x^T for output gradients dy [out, n] and patches x.
  void weight_gradient(const float* dy, std::size_t ldy, const float* x,
                       std::size_t ldx, std::size_t n, float* grad,
                       bool accumulate) const {
    if (short_side())
      return short_gram(dy, ldy, out_, x, ldx, g_.patch(), n, grad, accumulate);
    auto dw = param_matrix(grad, out_, g_.patch());
    auto product =
      view(dy, out_, n, ldy) * view(x, g_.patch(), n, ldx).transpose();
    if (accumulate)
      dw.noalias() += product;
    else
      dw.noalias() = product;
  }

  // dx [patch, n] = W^T dy.
  void input_gradient(const float* theta, const float* dy, std::size_t ldy,
                      std::size_t n, float* dx, std::size_t ldx) const {
    if (short_side())
      return short_transposed_times(theta, out_, g_.patch(), dy, ldy, n, dx,
                                    ldx);
    view(dx, g_.patch(), n, ldx).noalias() =
      param_matrix(theta, out_, g_.patch()).transpose() *
      view(dy, out_, n, ldy);
  }

  conv_geometry g_;
  std::size_t out_;
  bool bias_;
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
