// ReLU, max(x, 0), in place when its input buffer is the network's own.
#include "core/model/layers/layer.hpp"

namespace murmur {

namespace {

class relu final : public layer {
public:
  explicit relu(tensor_shape in) : layer(in, in) {}

  aliasing alias() const override { return aliasing::in_place; }

  void forward(const float*, const float* in, float* out, std::size_t rows,
               float*) const override {
    const auto n = static_cast<Eigen::Index>(rows * input().size());
    vec_map{out, n} = const_vec_map{in, n}.cwiseMax(0.f);
  }

  // The mask comes from the output: it is this layer's own buffer, and
  // out > 0 exactly where in > 0.
  void backward(const float*, const float*, const float* out, const float* dout,
                float* din, float*, std::size_t rows, float*) const override {
    if (din == nullptr)
      return;
    // dout times 1 or 0 (not a select), as the MLP always computed it.
    const std::size_t n = rows * input().size();
    for (std::size_t i = 0; i < n; ++i)
      din[i] = dout[i] * (out[i] > 0.f ? 1.f : 0.f);
  }
};

} // namespace

std::unique_ptr<layer> make_relu(tensor_shape in) {
  return std::make_unique<relu>(in);
}

} // namespace murmur
