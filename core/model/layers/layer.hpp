#pragma once

#include "core/base/rng.hpp"
#include "core/model/layer_spec.hpp"
#include "core/model/layers/tensor.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace murmur {

/// How a layer's output buffer relates to its input's.
enum class aliasing {
  none,     ///< a buffer of its own
  view,     ///< the input buffer itself, unchanged (flatten of one channel)
  in_place, ///< may overwrite its input (ReLU) when the caller owns it
};

/// One differentiable stage of a network, with hand-written forward and
/// backward passes over a batch in the layouts of tensor_shape. A layer is
/// immutable and keeps no per-call state: its parameters arrive as a pointer
/// to its slice of the flat parameter vector (in the layout its header
/// documents, PyTorch's where PyTorch has the layer), and whatever forward
/// leaves for backward lives in `scratch`, a slice of the caller's
/// workspace. So one layer object serves every agent and thread.
class layer {
public:
  layer(tensor_shape in, tensor_shape out) : in_(in), out_(out) {}
  virtual ~layer() = default;

  const tensor_shape& input() const { return in_; }
  const tensor_shape& output() const { return out_; }

  virtual std::size_t num_params() const { return 0; }

  /// Draws the initial parameters: weights He-uniform, U(-b, b) with
  /// b = sqrt(6 / fan_in), biases 0, normalisation scales 1.
  virtual void init(float* /*theta*/, rng& /*gen*/) const {}

  virtual aliasing alias() const { return aliasing::none; }

  /// Floats of scratch this layer needs for a batch of `rows`, kept from
  /// forward to the matching backward.
  virtual std::size_t scratch_floats(std::size_t /*rows*/) const { return 0; }

  /// out = f(in) for `rows` samples. `out` may equal `in` for aliasing
  /// layers.
  virtual void forward(const float* theta, const float* in, float* out,
                       std::size_t rows, float* scratch) const = 0;

  /// Given dout = d(loss)/d(out), writes (never adds) this layer's parameter
  /// gradient into `grad` and, unless `din` is null, d(loss)/d(in) into
  /// `din` (which may equal `dout` for aliasing layers). `in`, `out` and
  /// `scratch` hold what the matching forward saw and left; a layer that is
  /// not in place must not rely on `out`, which a following in-place layer
  /// may have overwritten.
  virtual void backward(const float* theta, const float* in, const float* out,
                        const float* dout, float* din, float* grad,
                        std::size_t rows, float* scratch) const = 0;

  /// Floating-point operations of the matrix products (2 per multiply-add)
  /// in one forward, resp. backward, pass over `rows` samples; the
  /// element-wise work around them is not counted.
  virtual double forward_flops(std::size_t /*rows*/) const { return 0; }
  virtual double backward_flops(std::size_t /*rows*/,
                                bool /*input_grad*/) const {
    return 0;
  }

private:
  tensor_shape in_;
  tensor_shape out_;
};

/// Builds the layer `spec` describes for inputs of shape `in`. `where` names
/// it in errors ("model.layers[3]"): a layer whose input shape does not fit
/// throws input_error with the layer, the shape it got and a fix.
std::unique_ptr<layer> make_layer(const layer_spec& spec, tensor_shape in,
                                  const std::string& where);

/// The one-line shape error every layer throws: "<where> (<kind>): <what>".
[[noreturn]] void shape_error(const std::string& where, layer_kind kind,
                              const std::string& what);

// One factory per layer family, each in its own file.
std::unique_ptr<layer> make_conv2d(const layer_spec&, tensor_shape in,
                                   const std::string& where);
std::unique_ptr<layer> make_pool(const layer_spec&, tensor_shape in,
                                 const std::string& where);
std::unique_ptr<layer> make_relu(tensor_shape in);
std::unique_ptr<layer> make_linear(const layer_spec&, tensor_shape in,
                                   const std::string& where);
std::unique_ptr<layer> make_flatten(tensor_shape in);
std::unique_ptr<layer> make_group_norm(const layer_spec&, tensor_shape in,
                                       const std::string& where);
std::unique_ptr<layer> make_residual(const layer_spec&, tensor_shape in,
                                     const std::string& where);

/// He-uniform draws for `n` weights of fan-in `fan_in`. The bits come from
/// the generator directly (not std::uniform_real_distribution, which
/// differs between standard libraries), so a seed gives the same model
/// everywhere.
void he_uniform(float* w, std::size_t n, std::size_t fan_in, rng& gen);

} // namespace murmur
