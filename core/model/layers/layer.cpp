#include "core/model/layers/layer.hpp"

#include "core/base/error.hpp"

#include <cmath>
#include <cstring>

namespace murmur {

std::string to_string(const tensor_shape& s) {
  if (s.flat)
    return std::to_string(s.channels) + " features";
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

void reorder_channels(const float* from, float* to, std::size_t rows,
                      std::size_t channels, std::size_t plane,
                      bool to_spatial) {
  const std::size_t bytes = plane * sizeof(float);
  for (std::size_t n = 0; n < rows; ++n)
    for (std::size_t c = 0; c < channels; ++c) {
      const std::size_t sample_major = (n * channels + c) * plane;
      const std::size_t channel_major = (c * rows + n) * plane;
      if (to_spatial)
        std::memcpy(to + channel_major, from + sample_major, bytes);
      else
        std::memcpy(to + sample_major, from + channel_major, bytes);
    }
}

void shape_error(const std::string& where, layer_kind kind,
                 const std::string& what) {
  throw input_error(where + " (" + to_string(kind) + "): " + what);
}

void he_uniform(float* w, std::size_t n, std::size_t fan_in, rng& gen) {
  const float bound = std::sqrt(6.f / static_cast<float>(fan_in));
  for (std::size_t i = 0; i < n; ++i) {
    const float u01 = static_cast<float>(gen() >> 40) * 0x1p-24f;
    w[i] = bound * (2 * u01 - 1);
  }
}

std::unique_ptr<layer> make_layer(const layer_spec& spec, tensor_shape in,
                                  const std::string& where) {
  switch (spec.kind) {
    case layer_kind::conv2d: return make_conv2d(spec, in, where);
    case layer_kind::maxpool:
    case layer_kind::avgpool: return make_pool(spec, in, where);
    case layer_kind::relu: return make_relu(in);
    case layer_kind::linear: return make_linear(spec, in, where);
    case layer_kind::flatten: return make_flatten(in);
    case layer_kind::groupnorm: return make_group_norm(spec, in, where);
    case layer_kind::residual: return make_residual(spec, in, where);
  }
  throw std::logic_error("a layer kind without a factory");
}

} // namespace murmur
