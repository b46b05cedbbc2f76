// Flatten: a spatial C x H x W tensor to C*H*W features in PyTorch's order
// (channel, row, column). Free for one channel, where both layouts are the
// same memory; a reorder otherwise.
#include "core/model/layers/layer.hpp"

#include <algorithm>

namespace murmur {

namespace {

class flatten final : public layer {
public:
  explicit flatten(tensor_shape in)
    : layer(in, tensor_shape::features(in.size())) {}

  aliasing alias() const override {
    return input().flat || input().channels == 1 ? aliasing::view
                                                 : aliasing::none;
  }

  void forward(const float*, const float* in, float* out, std::size_t rows,
               float*) const override {
    if (alias() == aliasing::view)
      return; // out is in
    reorder_channels(in, out, rows, input().channels, input().plane(), false);
  }

  void backward(const float*, const float*, const float*, const float* dout,
                float* din, float*, std::size_t rows, float*) const override {
    if (din == nullptr || din == dout)
      return;
    if (alias() == aliasing::view)
      std::copy(dout, dout + rows * input().size(), din);
    else
      reorder_channels(dout, din, rows, input().channels, input().plane(),
                       true);
  }
};

} // namespace

std::unique_ptr<layer> make_flatten(tensor_shape in) {
  return std::make_unique<flatten>(in);
}

} // namespace murmur
