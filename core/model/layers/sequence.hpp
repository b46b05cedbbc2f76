#pragma once

#include "core/model/layers/layer.hpp"

#include <memory>
#include <string>
#include <vector>

namespace murmur {

/// Layers applied one after another: a whole network, or one branch of a
/// residual block. Construction checks that the shapes chain (each layer's
/// factory throws input_error naming `where[i]` otherwise) and plans the
/// buffers once: a view or in-place layer (flatten, ReLU) shares its input's
/// activation and gradient buffers when the sequence owns them, every other
/// layer gets its own. The sequence never writes into its input or into the
/// caller's output gradient.
///
/// Parameters: each layer's slice, layer after layer, in the order listed.
class sequence {
public:
  sequence(const std::vector<layer_spec>& specs, tensor_shape in,
           const std::string& where);

  tensor_shape input() const { return in_; }
  tensor_shape output() const;
  std::size_t num_params() const { return offsets_.back(); }
  std::size_t size() const { return layers_.size(); }
  const layer& at(std::size_t i) const { return *layers_[i]; }

  void init(float* theta, rng& gen) const;

  /// Floats of workspace a pass over `rows` samples needs.
  std::size_t arena_floats(std::size_t rows) const;

  /// Runs every layer over `rows` samples of `in`, with buffers carved from
  /// `arena` (arena_floats(rows) floats). Returns the output: inside the
  /// arena, or `in` itself when every layer is a view.
  const float* forward(const float* theta, const float* in, std::size_t rows,
                       float* arena) const;

  /// After forward on the same arguments: writes the parameter gradient for
  /// the output gradient `dout` into `grad` and, unless `din` is null, the
  /// input gradient into `din`.
  void backward(const float* theta, const float* in, const float* dout,
                float* din, float* grad, std::size_t rows, float* arena) const;

  double forward_flops(std::size_t rows) const;
  double backward_flops(std::size_t rows, bool input_grad) const;

private:
  // Buffer ids in the plan; non-negative ids index buffer_sizes_.
  static constexpr int input_id = -1; // the caller's input
  static constexpr int outer_id = -2; // the caller's dout

  struct layout {
    std::vector<float*> buffers;
    std::vector<float*> scratch;
  };
  layout carve(float* arena, std::size_t rows) const;
  bool needs_input_grad(std::size_t i, bool input_grad) const;
  void plan();

  tensor_shape in_;
  std::vector<std::unique_ptr<layer>> layers_;
  std::vector<std::size_t> offsets_; // parameter offset per layer, then total
  std::vector<std::size_t> buffer_sizes_; // floats per sample
  std::vector<int> act_;   // per layer: buffer holding its output
  std::vector<int> delta_; // per layer: buffer holding d(loss)/d(output)
};

} // namespace murmur
