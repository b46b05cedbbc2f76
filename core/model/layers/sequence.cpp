#include "core/model/layers/sequence.hpp"

#include "core/base/error.hpp"

namespace murmur {

namespace {

// Every buffer starts on a 64-byte boundary (the arena itself is aligned so).
constexpr std::size_t align_floats = 16;

std::size_t aligned(std::size_t floats) {
  return (floats + align_floats - 1) / align_floats * align_floats;
}

} // namespace

sequence::sequence(const std::vector<layer_spec>& specs, tensor_shape in,
                   const std::string& where)
  : in_(in), offsets_{0} {
  if (specs.empty())
    throw input_error(where + ": needs at least one layer");
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto& shape = layers_.empty() ? in : layers_.back()->output();
    layers_.push_back(
      make_layer(specs[i], shape, where + "[" + std::to_string(i) + "]"));
    offsets_.push_back(offsets_.back() + layers_.back()->num_params());
  }
  plan();
}

tensor_shape sequence::output() const {
  return layers_.back()->output();
}

// Activations: a view shares its input's buffer; an in-place layer does too
// when the sequence owns that buffer (never the caller's input). Gradients
// mirror that on the way back, except that the caller's dout is never
// written.
void sequence::plan() {
  int current = input_id;
  bool owned = false;
  for (auto& l : layers_) {
    const auto a = l->alias();
    if (!(a == aliasing::view || (a == aliasing::in_place && owned))) {
      current = static_cast<int>(buffer_sizes_.size());
      buffer_sizes_.push_back(l->output().size());
      owned = true;
    }
    act_.push_back(current);
  }
  delta_.assign(layers_.size(), outer_id);
  for (std::size_t i = layers_.size() - 1; i >= 1; --i) {
    const bool shared = act_[i] == act_[i - 1] && delta_[i] != outer_id;
    if (shared) {
      delta_[i - 1] = delta_[i];
    } else {
      delta_[i - 1] = static_cast<int>(buffer_sizes_.size());
      buffer_sizes_.push_back(layers_[i]->input().size());
    }
  }
}

void sequence::init(float* theta, rng& gen) const {
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->init(theta + offsets_[i], gen);
}

std::size_t sequence::arena_floats(std::size_t rows) const {
  std::size_t total = 0;
  for (auto size : buffer_sizes_)
    total += aligned(size * rows);
  for (auto& l : layers_)
    total += aligned(l->scratch_floats(rows));
  return total;
}

sequence::layout sequence::carve(float* arena, std::size_t rows) const {
  layout out;
  for (auto size : buffer_sizes_) {
    out.buffers.push_back(arena);
    arena += aligned(size * rows);
  }
  for (auto& l : layers_) {
    out.scratch.push_back(arena);
    arena += aligned(l->scratch_floats(rows));
  }
  return out;
}

const float* sequence::forward(const float* theta, const float* in,
                               std::size_t rows, float* arena) const {
  auto buf = carve(arena, rows);
  const float* x = in;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    // A view's output is its input; only owned buffers are written.
    float* y =
      act_[i] == input_id ? const_cast<float*>(in) : buf.buffers[act_[i]];
    layers_[i]->forward(theta + offsets_[i], x, y, rows, buf.scratch[i]);
    x = y;
  }
  return x;
}

void sequence::backward(const float* theta, const float* in, const float* dout,
                        float* din, float* grad, std::size_t rows,
                        float* arena) const {
  auto buf = carve(arena, rows);
  auto act = [&](int id) -> const float* {
    return id == input_id ? in : buf.buffers[id];
  };
  auto delta = [&](int id) -> float* {
    return id == outer_id ? const_cast<float*>(dout) : buf.buffers[id];
  };
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const float* x = i == 0 ? in : act(act_[i - 1]);
    float* dx = i == 0                                ? din
                : needs_input_grad(i, din != nullptr) ? delta(delta_[i - 1])
                                                      : nullptr;
    layers_[i]->backward(theta + offsets_[i], x, act(act_[i]), delta(delta_[i]),
                         dx, grad + offsets_[i], rows, buf.scratch[i]);
  }
}

// Layer i's input gradient is needed when the caller wants the sequence's,
// or when an earlier layer has parameters.
bool sequence::needs_input_grad(std::size_t i, bool input_grad) const {
  return input_grad || offsets_[i] > 0;
}

double sequence::forward_flops(std::size_t rows) const {
  double total = 0;
  for (auto& l : layers_)
    total += l->forward_flops(rows);
  return total;
}

double sequence::backward_flops(std::size_t rows, bool input_grad) const {
  double total = 0;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    total += layers_[i]->backward_flops(rows, needs_input_grad(i, input_grad));
  return total;
}

} // namespace murmur
