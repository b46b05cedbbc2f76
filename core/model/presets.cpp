// The named classifiers as layer lists (see layers_of in model.hpp).
#include "core/model/model.hpp"

namespace murmur {

namespace {

constexpr int norm_groups = 4;

layer_spec simple(layer_kind kind) {
  layer_spec s;
  s.kind = kind;
  return s;
}

layer_spec linear(int out) {
  auto s = simple(layer_kind::linear);
  s.out = out;
  return s;
}

layer_spec conv(int out, int kernel, int stride, int padding, bool bias) {
  auto s = simple(layer_kind::conv2d);
  s.out = out;
  s.kernel = kernel;
  s.stride = stride;
  s.padding = padding;
  s.bias = bias;
  return s;
}

layer_spec pool(layer_kind kind, int kernel) {
  auto s = simple(kind);
  s.kernel = kernel;
  s.stride = kernel;
  return s;
}

layer_spec group_norm() {
  auto s = simple(layer_kind::groupnorm);
  s.groups = norm_groups;
  return s;
}

// A flatten where the input is an image; flat rows need none.
std::vector<layer_spec> flattened(sample_shape in) {
  if (in.height == 1 && in.width == 1)
    return {};
  return {simple(layer_kind::flatten)};
}

std::vector<layer_spec> mlp(sample_shape in, const std::vector<int>& hidden,
                            int classes) {
  auto layers = flattened(in);
  for (int width : hidden) {
    layers.push_back(linear(width));
    layers.push_back(simple(layer_kind::relu));
  }
  layers.push_back(linear(classes));
  return layers;
}

std::vector<layer_spec> lenet5(int classes) {
  const auto relu = simple(layer_kind::relu);
  return {conv(6, 5, 1, 2, true),
          relu,
          pool(layer_kind::maxpool, 2),
          conv(16, 5, 1, 0, true),
          relu,
          pool(layer_kind::maxpool, 2),
          simple(layer_kind::flatten),
          linear(120),
          relu,
          linear(84),
          relu,
          linear(classes)};
}

// conv3x3 -> GN -> relu -> conv3x3 -> GN, plus the shortcut, then relu.
std::vector<layer_spec> basic_block(int in_channels, int channels, int stride) {
  auto block = simple(layer_kind::residual);
  block.body = {conv(channels, 3, stride, 1, false), group_norm(),
                simple(layer_kind::relu), conv(channels, 3, 1, 1, false),
                group_norm()};
  if (stride != 1 || in_channels != channels)
    block.shortcut = {conv(channels, 1, stride, 0, false), group_norm()};
  return {block, simple(layer_kind::relu)};
}

// A 3x3 convolution with padding 1 and stride 2 halves a side, rounding up.
int halved(int side) {
  return (side - 1) / 2 + 1;
}

std::vector<layer_spec> resnet8_gn(sample_shape in, int classes) {
  std::vector<layer_spec> layers{conv(16, 3, 1, 1, false), group_norm(),
                                 simple(layer_kind::relu)};
  int channels = 16;
  int side = in.height;
  for (int stage = 0; stage < 3; ++stage) {
    const int width = 16 << stage;
    const int stride = stage == 0 ? 1 : 2;
    auto block = basic_block(channels, width, stride);
    layers.insert(layers.end(), block.begin(), block.end());
    channels = width;
    side = stride == 2 ? halved(side) : side;
  }
  // Global average pooling (square inputs: the presets are for 28x28).
  layers.push_back(pool(layer_kind::avgpool, side));
  layers.push_back(simple(layer_kind::flatten));
  layers.push_back(linear(classes));
  return layers;
}

} // namespace

std::vector<layer_spec> layers_of(const model_spec& spec, sample_shape shape,
                                  int classes) {
  switch (spec.kind) {
    case model_kind::softmax: return mlp(shape, {}, classes);
    case model_kind::mlp: return mlp(shape, spec.hidden, classes);
    case model_kind::layers: return spec.layers;
    case model_kind::lenet5: return lenet5(classes);
    case model_kind::resnet8_gn: return resnet8_gn(shape, classes);
    case model_kind::linear:
    case model_kind::torchscript: break; // not made of native layers
  }
  return {};
}

} // namespace murmur
