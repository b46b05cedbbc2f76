// Max and average pooling over square windows without padding, channel by
// channel (PyTorch's nn.MaxPool2d and nn.AvgPool2d with padding 0). No
// parameters. One window walk serves both; the reduction is the policy.
#include "core/model/layers/layer.hpp"

#include <algorithm>

namespace murmur {

namespace {

struct window_geometry {
  std::size_t width, plane; // input
  std::size_t kernel, stride;
  std::size_t out_height, out_width;
};

// f(first, o): the window of output position o starts at input offset
// `first` of the same plane.
template <class F>
void for_each_window(const window_geometry& g, F f) {
  for (std::size_t ho = 0; ho < g.out_height; ++ho)
    for (std::size_t wo = 0; wo < g.out_width; ++wo)
      f(ho * g.stride * g.width + wo * g.stride, ho * g.out_width + wo);
}

// The maximum; backward routes the gradient to the first maximal input,
// whose offset in the plane forward keeps in the scratch (as a float:
// exact for planes below 2^24 values).
struct max_policy {
  static constexpr bool keeps_argmax = true;

  static void forward(const window_geometry& g, const float* in, float* out,
                      float* argmax) {
    for_each_window(g, [&](std::size_t first, std::size_t o) {
      std::size_t best = first;
      for (std::size_t ki = 0; ki < g.kernel; ++ki)
        for (std::size_t kj = 0; kj < g.kernel; ++kj) {
          const std::size_t at = first + ki * g.width + kj;
          if (in[at] > in[best])
            best = at;
        }
      out[o] = in[best];
      argmax[o] = static_cast<float>(best);
    });
  }

  static void backward(const window_geometry& g, const float* dout, float* din,
                       const float* argmax) {
    for_each_window(g, [&](std::size_t, std::size_t o) {
      din[static_cast<std::size_t>(argmax[o])] += dout[o];
    });
  }
};

// The mean over the window.
struct average_policy {
  static constexpr bool keeps_argmax = false;

  static void forward(const window_geometry& g, const float* in, float* out,
                      float*) {
    const float scale = 1.f / static_cast<float>(g.kernel * g.kernel);
    for_each_window(g, [&](std::size_t first, std::size_t o) {
      float sum = 0;
      for (std::size_t ki = 0; ki < g.kernel; ++ki)
        for (std::size_t kj = 0; kj < g.kernel; ++kj)
          sum += in[first + ki * g.width + kj];
      out[o] = sum * scale;
    });
  }

  static void backward(const window_geometry& g, const float* dout, float* din,
                       const float*) {
    const float scale = 1.f / static_cast<float>(g.kernel * g.kernel);
    for_each_window(g, [&](std::size_t first, std::size_t o) {
      const float share = dout[o] * scale;
      for (std::size_t ki = 0; ki < g.kernel; ++ki)
        for (std::size_t kj = 0; kj < g.kernel; ++kj)
          din[first + ki * g.width + kj] += share;
    });
  }
};

// Every (channel, sample) plane of a [channels][rows][plane] tensor is
// contiguous and they follow one another, so the planes are walked in order.
template <class Policy>
class pool final : public layer {
public:
  pool(tensor_shape in, tensor_shape out, std::size_t kernel,
       std::size_t stride)
    : layer(in, out), g_{static_cast<std::size_t>(in.width),
                         in.plane(),
                         kernel,
                         stride,
                         static_cast<std::size_t>(out.height),
                         static_cast<std::size_t>(out.width)} {}

  std::size_t scratch_floats(std::size_t rows) const override {
    return Policy::keeps_argmax ? rows * output().size() : 0;
  }

  void forward(const float*, const float* in, float* out, std::size_t rows,
               float* scratch) const override {
    const std::size_t out_plane = output().plane();
    for (std::size_t p = 0; p < planes(rows); ++p)
      Policy::forward(g_, in + p * g_.plane, out + p * out_plane,
                      scratch + (Policy::keeps_argmax ? p * out_plane : 0));
  }

  void backward(const float*, const float*, const float*, const float* dout,
                float* din, float*, std::size_t rows,
                float* scratch) const override {
    if (din == nullptr)
      return;
    std::fill(din, din + rows * input().size(), 0.f);
    const std::size_t out_plane = output().plane();
    for (std::size_t p = 0; p < planes(rows); ++p)
      Policy::backward(g_, dout + p * out_plane, din + p * g_.plane,
                       scratch + (Policy::keeps_argmax ? p * out_plane : 0));
  }

private:
  std::size_t planes(std::size_t rows) const {
    return rows * static_cast<std::size_t>(input().channels);
  }

  window_geometry g_;
};

} // namespace

std::unique_ptr<layer> make_pool(const layer_spec& spec, tensor_shape in,
                                 const std::string& where) {
  if (in.flat)
    shape_error(where, spec.kind,
                "needs an image input (channels x height x width), got " +
                  to_string(in));
  if (in.height < spec.kernel || in.width < spec.kernel)
    shape_error(where, spec.kind,
                "kernel " + std::to_string(spec.kernel) + " does not fit the " +
                  to_string(in) + " input");
  auto out = tensor_shape::spatial(in.channels,
                                   (in.height - spec.kernel) / spec.stride + 1,
                                   (in.width - spec.kernel) / spec.stride + 1);
  const auto k = static_cast<std::size_t>(spec.kernel);
  const auto s = static_cast<std::size_t>(spec.stride);
  if (spec.kind == layer_kind::maxpool)
    return std::make_unique<pool<max_policy>>(in, out, k, s);
  return std::make_unique<pool<average_policy>>(in, out, k, s);
}

} // namespace murmur
