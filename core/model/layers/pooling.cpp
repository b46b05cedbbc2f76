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

// f(ho, offset) for output row ho and each kernel offset (ki, kj), in
// row-major order: input pixel offset + wo * stride is that offset of the
// window of output (ho, wo). Policies loop over wo inside, so the work
// vectorises across a row of windows.
template <class F>
void for_each_offset(const window_geometry& g, F f) {
  for (std::size_t ho = 0; ho < g.out_height; ++ho)
    for (std::size_t ki = 0; ki < g.kernel; ++ki)
      for (std::size_t kj = 0; kj < g.kernel; ++kj)
        f(ho, (ho * g.stride + ki) * g.width + kj);
}

// The maximum; backward routes the gradient to the first maximal input,
// whose offset in the plane forward keeps in the scratch (as a float:
// exact for planes below 2^24 values).
struct max_policy {
  static constexpr bool keeps_argmax = true;

  static void forward(const window_geometry& g, const float* in, float* out,
                      float* argmax) {
    if (g.kernel == 2 && g.stride == 2)
      return forward_2x2(g, in, out, argmax);
    for (std::size_t ho = 0; ho < g.out_height; ++ho)
      for (std::size_t wo = 0; wo < g.out_width; ++wo) {
        const std::size_t first = (ho * g.width + wo) * g.stride;
        float best = in[first];
        std::size_t at = first;
        for (std::size_t ki = 0; ki < g.kernel; ++ki)
          for (std::size_t kj = 0; kj < g.kernel; ++kj) {
            // A strict > keeps the first maximum in row-major window order.
            const std::size_t i = first + ki * g.width + kj;
            const bool take = in[i] > best;
            best = take ? in[i] : best;
            at = take ? i : at;
          }
        out[ho * g.out_width + wo] = best;
        argmax[ho * g.out_width + wo] = static_cast<float>(at);
      }
  }

  // The common 2x2 window with stride 2, spelled out so that it vectorises
  // across a row of windows.
  static void forward_2x2(const window_geometry& g, const float* in, float* out,
                          float* argmax) {
    const std::size_t n = g.out_width, w = g.width;
    for (std::size_t ho = 0; ho < g.out_height; ++ho) {
      // Distinct buffers: no-alias promises let the compiler vectorise.
      const float* __restrict__ top = in + 2 * ho * w;
      const float* __restrict__ bottom = top + w;
      float* __restrict__ best_row = out + ho * n;
      float* __restrict__ at_row = argmax + ho * n;
      const auto row = static_cast<float>(2 * ho * w);
      const auto below = static_cast<float>(w);
      // An int counter and one flag per comparison: the shape GCC turns into
      // vector blends.
      for (int wo = 0; wo < static_cast<int>(n); ++wo) {
        const float a = top[2 * wo], b = top[2 * wo + 1];
        const float c = bottom[2 * wo], d = bottom[2 * wo + 1];
        // A strict > keeps the first maximum in row-major window order.
        float best = a, at = 0;
        bool take = b > best;
        at = take ? 1.f : at;
        best = take ? b : best;
        take = c > best;
        at = take ? below : at;
        best = take ? c : best;
        take = d > best;
        at = take ? below + 1 : at;
        best = take ? d : best;
        best_row[wo] = best;
        at_row[wo] = row + static_cast<float>(2 * wo) + at;
      }
    }
  }

  static void backward(const window_geometry& g, const float* dout, float* din,
                       const float* argmax) {
    const std::size_t outputs = g.out_height * g.out_width;
    for (std::size_t o = 0; o < outputs; ++o)
      din[static_cast<std::size_t>(argmax[o])] += dout[o];
  }
};

// The mean over the window.
struct average_policy {
  static constexpr bool keeps_argmax = false;

  static void forward(const window_geometry& g, const float* in, float* out,
                      float*) {
    const std::size_t s = g.stride, n = g.out_width;
    std::fill(out, out + g.out_height * n, 0.f);
    for_each_offset(g, [&](std::size_t ho, std::size_t offset) {
      for (std::size_t wo = 0; wo < n; ++wo)
        out[ho * n + wo] += in[offset + wo * s];
    });
    const float scale = 1.f / static_cast<float>(g.kernel * g.kernel);
    for (std::size_t o = 0; o < g.out_height * n; ++o)
      out[o] *= scale;
  }

  static void backward(const window_geometry& g, const float* dout, float* din,
                       const float*) {
    const std::size_t s = g.stride, n = g.out_width;
    const float scale = 1.f / static_cast<float>(g.kernel * g.kernel);
    for_each_offset(g, [&](std::size_t ho, std::size_t offset) {
      for (std::size_t wo = 0; wo < n; ++wo)
        din[offset + wo * s] += dout[ho * n + wo] * scale;
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
