// Fully connected layer on flat features: Z = X W^T + b.
// Parameters (PyTorch's nn.Linear): W [out, in] row-major, then b [out].
#include "core/model/layers/layer.hpp"
#include "core/model/layers/skinny.hpp"

#include <algorithm>

namespace murmur {

namespace {

using index = Eigen::Index;
using row_vec_cmap = Eigen::Map<const Eigen::RowVectorXf>;

class linear final : public layer {
public:
  linear(tensor_shape in, int out, bool bias)
    : layer(in, tensor_shape::features(static_cast<std::size_t>(out))),
      in_(static_cast<index>(in.size())), out_(out), bias_(bias) {}

  std::size_t num_params() const override {
    return static_cast<std::size_t>(out_ * (in_ + (bias_ ? 1 : 0)));
  }

  void init(float* theta, rng& gen) const override {
    he_uniform(theta, static_cast<std::size_t>(out_ * in_),
               static_cast<std::size_t>(in_), gen);
    if (bias_)
      std::fill(theta + out_ * in_, theta + out_ * (in_ + 1), 0.f);
  }

  void forward(const float* theta, const float* in, float* out,
               std::size_t rows, float*) const override {
    auto z = param_matrix(out, rows, static_cast<std::size_t>(out_));
    auto x = param_matrix(in, rows, static_cast<std::size_t>(in_));
    if (static_cast<std::size_t>(out_) <= skinny_max_out) {
      skinny_product(in, theta, out, rows, static_cast<std::size_t>(in_),
                     static_cast<std::size_t>(out_));
      if (bias_)
        z.rowwise() += row_vec_cmap{theta + out_ * in_, out_};
      return;
    }
    if (bias_) {
      z.rowwise() = row_vec_cmap{theta + out_ * in_, out_};
      z.noalias() += x * weights(theta).transpose();
    } else {
      z.noalias() = x * weights(theta).transpose();
    }
  }

  void backward(const float* theta, const float* in, const float*,
                const float* dout, float* din, float* grad, std::size_t rows,
                float*) const override {
    auto dz = param_matrix(dout, rows, static_cast<std::size_t>(out_));
    auto x = param_matrix(in, rows, static_cast<std::size_t>(in_));
    param_matrix(grad, static_cast<std::size_t>(out_),
                 static_cast<std::size_t>(in_))
      .noalias() = dz.transpose() * x;
    if (bias_)
      vec_map{grad + out_ * in_, out_} = dz.colwise().sum().transpose();
    if (din != nullptr)
      param_matrix(din, rows, static_cast<std::size_t>(in_)).noalias() =
        dz * weights(theta);
  }

  double forward_flops(std::size_t rows) const override {
    return 2.0 * static_cast<double>(rows) * static_cast<double>(in_ * out_);
  }
  double backward_flops(std::size_t rows, bool input_grad) const override {
    return forward_flops(rows) * (input_grad ? 2 : 1);
  }

private:
  const_row_matrix_map weights(const float* theta) const {
    return param_matrix(theta, static_cast<std::size_t>(out_),
                        static_cast<std::size_t>(in_));
  }

  index in_;
  index out_;
  bool bias_;
};

} // namespace

std::unique_ptr<layer> make_linear(const layer_spec& spec, tensor_shape in,
                                   const std::string& where) {
  if (!in.flat)
    shape_error(where, spec.kind,
                "needs flat features, got " + to_string(in) +
                  "; put {kind = \"flatten\"} before it");
  return std::make_unique<linear>(in, spec.out, spec.bias);
}

} // namespace murmur
