// A classifier made of layers (core/model/layers/) with softmax
// cross-entropy on top: softmax regression, MLPs, CNNs and residual nets are
// all configurations of this one model.
#include "core/model/layers/sequence.hpp"
#include "core/model/model.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cassert>
#include <cmath>

namespace murmur {

namespace {

using index = Eigen::Index;

// Fixed chunk sizes, never derived from the thread count: the summation order,
// hence every bit of the result, is then the same however many threads run.
constexpr std::size_t grad_chunk = 256;
constexpr std::size_t max_eval_chunk = 512;
// Evaluation chunks shrink (by halves, down to 8 rows) until one chunk's
// workspace fits this many floats (4 MiB), for convolutional nets with large
// activations.
constexpr std::size_t eval_budget = std::size_t{1} << 20;

std::size_t chunk_count(std::size_t rows, std::size_t chunk) {
  return rows <= chunk ? 1 : (rows + chunk - 1) / chunk;
}

// Writes into dz the gradient of `scale` times the summed cross-entropy of
// the logits z, and returns that sum. Log-sum-exp is taken after
// subtracting the row maximum, so no exp overflows.
double softmax_xent(const_row_matrix_map z, const batch_view& b, float scale,
                    row_matrix_map dz) {
  double loss = 0;
  for (index i = 0; i < z.rows(); ++i) {
    dz.row(i) = z.row(i).array() - z.row(i).maxCoeff();
    loss -= dz(i, b.label(static_cast<std::size_t>(i)));
  }
  dz.array() = dz.array().exp(); // one vectorised pass over the whole block
  for (index i = 0; i < z.rows(); ++i) {
    auto r = dz.row(i);
    const float sum = r.sum();
    loss += std::log(static_cast<double>(sum));
    r *= scale / sum;
    r(b.label(static_cast<std::size_t>(i))) -= scale;
  }
  return loss;
}

// Spatial inputs keep the data set's channels x height x width; tabular
// rows are flat features.
tensor_shape input_shape(sample_shape s) {
  if (s.height == 1 && s.width == 1)
    return tensor_shape::features(s.size());
  return tensor_shape::spatial(s.channels, s.height, s.width);
}

// Evaluation's scratch, kept per thread across calls and models: a fresh
// arena per call would be paid again in page faults at every evaluation.
float* eval_arena(std::size_t floats) {
  thread_local vec arena;
  if (static_cast<std::size_t>(arena.size()) < floats)
    arena.resize(static_cast<index>(floats));
  return arena.data();
}

// One arena per gradient chunk (each sized for the largest batch seen), so
// steady-state steps do not allocate.
class network_workspace : public workspace {
public:
  std::vector<vec> arenas;
  vec partials; // gradient of chunks 1, 2, ... (chunk 0 writes `grad`)
  std::vector<double> losses; // per chunk
};

class network final : public model {
public:
  network(const std::vector<layer_spec>& layers, sample_shape in, int classes,
          double weight_decay, weight_init init, const std::string& where);

  std::size_t num_params() const override { return seq_.num_params(); }
  void init(vec_map theta, rng& gen) const override;
  std::unique_ptr<workspace> make_workspace() const override {
    return std::make_unique<network_workspace>();
  }
  double loss_and_gradient(const_vec_map theta, const batch_view& b,
                           vec_map grad, workspace& ws) const override;
  eval_result evaluate(const_vec_map theta, const batch_view& b) const override;
  double gradient_flops(std::size_t rows) const override {
    return seq_.forward_flops(rows) + seq_.backward_flops(rows, false);
  }

private:
  // A chunk's arena: the input reordered to [channels][rows][plane] when it
  // has several channels, the logits' gradient, then the layers' buffers.
  bool reorders() const { return !in_.flat && in_.channels > 1; }
  std::size_t input_floats(std::size_t rows) const {
    return reorders() ? rows * in_.size() : 0;
  }
  std::size_t arena_floats(std::size_t rows) const {
    return input_floats(rows) + rows * classes_ + seq_.arena_floats(rows);
  }
  // Training arenas end with room for a minibatch's rows gathered: they are
  // read where they lie in the agent's block, once, into memory the layers
  // then reuse from cache.
  std::size_t train_arena_floats(std::size_t rows) const {
    return gathered_offset(rows) + rows * in_.size();
  }
  std::size_t gathered_offset(std::size_t rows) const {
    return (arena_floats(rows) + 15) / 16 * 16; // 64-byte aligned
  }
  const float* layer_input(const batch_view& b, float* arena) const;
  float* layer_arena(float* arena, std::size_t rows) const {
    return arena + input_floats(rows) + rows * classes_;
  }
  row_matrix_map dlogits(float* arena, std::size_t rows) const {
    return {arena + input_floats(rows), static_cast<index>(rows),
            static_cast<index>(classes_)};
  }
  const_row_matrix_map logits(const float* theta, const float* x,
                              std::size_t rows, float* arena) const;

  void reserve(network_workspace& ws, std::size_t rows) const;
  double chunk_gradient(const float* theta, const batch_view& b, float scale,
                        float* grad, float* arena) const;
  double chunked_gradient(const float* theta, const batch_view& b, vec_map grad,
                          network_workspace& ws) const;

  tensor_shape in_;
  sequence seq_;
  std::size_t classes_;
  float weight_decay_;
  weight_init init_;
  std::size_t eval_chunk_;
};

network::network(const std::vector<layer_spec>& layers, sample_shape in,
                 int classes, double weight_decay, weight_init init,
                 const std::string& where)
  : in_(input_shape(in)), seq_(layers, in_, where),
    classes_(static_cast<std::size_t>(classes)),
    weight_decay_(static_cast<float>(weight_decay)), init_(init),
    eval_chunk_(max_eval_chunk) {
  const auto out = seq_.output();
  if (!out.flat || out.size() != classes_)
    throw input_error(where + ": the last layer outputs " + to_string(out) +
                      " but the data has " + std::to_string(classes) +
                      " classes; end with {kind = \"linear\", out = " +
                      std::to_string(classes) + "}");
  while (eval_chunk_ > 8 && arena_floats(eval_chunk_) > eval_budget)
    eval_chunk_ /= 2;
}

void network::init(vec_map theta, rng& gen) const {
  theta.setZero();
  if (init_ == weight_init::he_uniform)
    seq_.init(theta.data(), gen);
}

const float* network::layer_input(const batch_view& b, float* arena) const {
  const float* rows = b.features;
  if (!b.is_matrix()) {
    float* gathered = arena + gathered_offset(b.rows);
    gather_rows(b, gathered);
    rows = gathered;
  }
  if (!reorders())
    return rows;
  reorder_channels(rows, arena, b.rows, static_cast<std::size_t>(in_.channels),
                   in_.plane(), true);
  return arena;
}

const_row_matrix_map network::logits(const float* theta, const float* x,
                                     std::size_t rows, float* arena) const {
  const float* z = seq_.forward(theta, x, rows, layer_arena(arena, rows));
  return {z, static_cast<index>(rows), static_cast<index>(classes_)};
}

void network::reserve(network_workspace& ws, std::size_t rows) const {
  const auto chunks = chunk_count(rows, grad_chunk);
  if (ws.arenas.size() < chunks) {
    ws.arenas.resize(chunks);
    ws.losses.resize(chunks);
    ws.partials.resize(static_cast<index>((chunks - 1) * num_params()));
  }
  const auto need =
    static_cast<index>(train_arena_floats(std::min(rows, grad_chunk)));
  for (std::size_t c = 0; c < chunks; ++c)
    if (ws.arenas[c].size() < need)
      ws.arenas[c].resize(need);
}

double network::chunk_gradient(const float* theta, const batch_view& b,
                               float scale, float* grad, float* arena) const {
  const float* x = layer_input(b, arena);
  auto dz = dlogits(arena, b.rows);
  const double loss =
    softmax_xent(logits(theta, x, b.rows, arena), b, scale, dz);
  seq_.backward(theta, x, dz.data(), nullptr, grad, b.rows,
                layer_arena(arena, b.rows));
  return loss;
}

// Fixed-size chunks in parallel, each into its own gradient buffer, summed in
// chunk order: deterministic for any thread count.
double network::chunked_gradient(const float* theta, const batch_view& b,
                                 vec_map grad, network_workspace& ws) const {
  const auto chunks = chunk_count(b.rows, grad_chunk);
  const float scale = 1.f / static_cast<float>(b.rows);
  auto target = [&](std::size_t c) {
    return c == 0 ? grad.data() : ws.partials.data() + (c - 1) * num_params();
  };
  tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
    const auto first = c * grad_chunk;
    const auto rows = std::min(grad_chunk, b.rows - first);
    ws.losses[c] = chunk_gradient(theta, b.slice(first, rows), scale, target(c),
                                  ws.arenas[c].data());
  });
  using range = tbb::blocked_range<std::size_t>;
  tbb::parallel_for(range{0, num_params(), 4096}, [&](const range& r) {
    auto dst = grad.segment(r.begin(), r.size());
    for (std::size_t c = 1; c < chunks; ++c)
      dst += vec_map{target(c) + r.begin(), static_cast<index>(r.size())};
  });
  double loss = 0;
  for (std::size_t c = 0; c < chunks; ++c)
    loss += ws.losses[c];
  return loss;
}

double network::loss_and_gradient(const_vec_map theta, const batch_view& b,
                                  vec_map grad, workspace& base) const {
  assert(b.dim == in_.size());
  auto& ws = static_cast<network_workspace&>(base);
  reserve(ws, b.rows);
  double loss = 0;
  if (b.rows == 0)
    grad.setZero();
  else if (b.rows <= grad_chunk) // small batches stay on the calling thread
    loss = chunk_gradient(theta.data(), b, 1.f / static_cast<float>(b.rows),
                          grad.data(), ws.arenas[0].data());
  else
    loss = chunked_gradient(theta.data(), b, grad, ws);
  if (b.rows > 0)
    loss /= static_cast<double>(b.rows);
  if (weight_decay_ > 0) {
    grad += weight_decay_ * theta;
    loss += 0.5 * weight_decay_ * static_cast<double>(theta.squaredNorm());
  }
  return loss;
}

eval_result network::evaluate(const_vec_map theta, const batch_view& b) const {
  assert(b.dim == in_.size());
  assert(b.is_matrix()); // the arena has no room to gather rows
  const auto chunks = (b.rows + eval_chunk_ - 1) / eval_chunk_;
  std::vector<double> losses(chunks);
  std::vector<std::size_t> hits(chunks);
  using range = tbb::blocked_range<std::size_t>;
  tbb::parallel_for(range{0, chunks}, [&](const range& r) {
    float* arena = eval_arena(arena_floats(eval_chunk_));
    for (auto c = r.begin(); c != r.end(); ++c) {
      const auto first = c * eval_chunk_;
      auto part = b.slice(first, std::min(eval_chunk_, b.rows - first));
      auto z = logits(theta.data(), layer_input(part, arena), part.rows, arena);
      for (index i = 0; i < z.rows(); ++i) {
        index best = 0;
        z.row(i).maxCoeff(&best);
        hits[c] += best == part.label(static_cast<std::size_t>(i));
      }
      losses[c] = softmax_xent(z, part, 0.f, dlogits(arena, part.rows));
    }
  });
  eval_result result;
  if (b.rows == 0)
    return result;
  for (std::size_t c = 0; c < chunks; ++c) {
    result.loss += losses[c];
    result.accuracy += static_cast<double>(hits[c]);
  }
  result.loss /= static_cast<double>(b.rows);
  result.accuracy /= static_cast<double>(b.rows);
  return result;
}

} // namespace

std::unique_ptr<model> make_network(const std::vector<layer_spec>& layers,
                                    sample_shape in, int classes,
                                    double weight_decay, weight_init init,
                                    const std::string& where) {
  return std::make_unique<network>(layers, in, classes, weight_decay, init,
                                   where);
}

} // namespace murmur
