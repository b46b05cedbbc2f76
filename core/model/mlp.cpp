#include "core/model/model.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cassert>
#include <cmath>

namespace murmur {

namespace {

using index = Eigen::Index;
using row_vec_cmap = Eigen::Map<const Eigen::RowVectorXf>;

// Fixed chunk sizes, never derived from the thread count: the summation order,
// hence every bit of the result, is then the same however many threads run.
constexpr std::size_t grad_chunk = 256;
constexpr std::size_t eval_chunk = 512;

std::size_t chunk_count(std::size_t rows, std::size_t chunk) {
  return rows <= chunk ? 1 : (rows + chunk - 1) / chunk;
}

batch_view slice(const batch_view& b, std::size_t first, std::size_t rows) {
  return {b.features + first * b.dim, b.labels + first, rows, b.dim};
}

// std::uniform_real_distribution differs between standard libraries; this
// does not, so a seed yields the same model everywhere.
float uniform01(rng& gen) {
  return static_cast<float>(gen() >> 40) * 0x1p-24f;
}

// Overwrites logits with d(loss)/d(logits) for a loss that is `scale` times
// the summed cross-entropy, and returns that sum. Log-sum-exp is taken after
// subtracting the row maximum, so no exp overflows.
double softmax_xent(row_matrix_map z, const std::int32_t* labels, float scale) {
  double loss = 0;
  for (index i = 0; i < z.rows(); ++i) {
    auto r = z.row(i);
    r.array() -= r.maxCoeff();
    loss -= r(labels[i]);
  }
  z.array() = z.array().exp(); // one vectorised pass over the whole block
  for (index i = 0; i < z.rows(); ++i) {
    auto r = z.row(i);
    const float sum = r.sum();
    loss += std::log(static_cast<double>(sum));
    r *= scale / sum;
    r(labels[i]) -= scale;
  }
  return loss;
}

// Activations for `capacity` rows of every layer. A call with fewer rows uses
// the leading rows, so the buffers only ever grow.
class layered_workspace : public workspace {
public:
  std::size_t capacity = 0;
  vec acts;     // layer l = 1..L: capacity x width(l); layer L holds logits
  vec deltas;   // hidden layer l: d(loss)/d(pre-activation), same layout
  vec partials; // gradient of chunks 1, 2, ... (chunk 0 writes `grad`)
  std::vector<double> losses; // per chunk
};

class layered_model final : public model {
public:
  layered_model(std::vector<index> widths, double weight_decay,
                weight_init init);

  std::size_t num_params() const override { return num_params_; }
  void init(vec_map theta, rng& gen) const override;
  std::unique_ptr<workspace> make_workspace() const override {
    return std::make_unique<layered_workspace>();
  }
  double loss_and_gradient(const_vec_map theta, const batch_view& b,
                           vec_map grad, workspace& ws) const override;
  eval_result evaluate(const_vec_map theta, const batch_view& b) const override;

private:
  std::size_t layers() const { return widths_.size() - 1; }

  // Layer l = 1..L: W_l (out x in, row-major) at offsets_[l], then bias.
  const_row_matrix_map weights(const float* theta, std::size_t l) const {
    return {theta + offsets_[l], widths_[l], widths_[l - 1]};
  }
  row_matrix_map weights(float* grad, std::size_t l) const {
    return {grad + offsets_[l], widths_[l], widths_[l - 1]};
  }
  float* bias(float* p, std::size_t l) const {
    return p + offsets_[l] + widths_[l] * widths_[l - 1];
  }
  const float* bias(const float* p, std::size_t l) const {
    return p + offsets_[l] + widths_[l] * widths_[l - 1];
  }

  row_matrix_map rows_of(vec& buf, const layered_workspace& ws, std::size_t l,
                         std::size_t row, std::size_t n) const {
    auto* p = buf.data() + ws.capacity * act_prefix_[l] + row * widths_[l];
    return {p, static_cast<index>(n), widths_[l]};
  }
  // Input of layer l: the batch itself for l = 1.
  const_row_matrix_map input(const batch_view& b, layered_workspace& ws,
                             std::size_t l, std::size_t row) const {
    if (l == 1)
      return b.x();
    auto a = rows_of(ws.acts, ws, l - 1, row, b.rows);
    return {a.data(), a.rows(), a.cols()};
  }

  void reserve(layered_workspace& ws, std::size_t rows) const;
  row_matrix_map forward(const float* theta, const batch_view& b,
                         layered_workspace& ws, std::size_t row) const;
  void backward(const float* theta, const batch_view& b, float* grad,
                layered_workspace& ws, std::size_t row) const;
  double chunk_gradient(const float* theta, const batch_view& b, float scale,
                        float* grad, layered_workspace& ws,
                        std::size_t row) const;
  double chunked_gradient(const float* theta, const batch_view& b, vec_map grad,
                          layered_workspace& ws) const;

  std::vector<index> widths_;           // dim, hidden..., classes
  std::vector<std::size_t> offsets_;    // parameter offset of layer l
  std::vector<std::size_t> act_prefix_; // sum of widths of layers 1..l-1
  std::size_t num_params_ = 0;
  float weight_decay_;
  weight_init init_;
};

layered_model::layered_model(std::vector<index> widths, double weight_decay,
                             weight_init init)
  : widths_(std::move(widths)), offsets_(widths_.size() + 1, 0),
    act_prefix_(widths_.size() + 1, 0),
    weight_decay_(static_cast<float>(weight_decay)), init_(init) {
  for (std::size_t l = 1; l <= layers(); ++l) {
    offsets_[l + 1] = offsets_[l] + (widths_[l - 1] + 1) * widths_[l];
    act_prefix_[l + 1] = act_prefix_[l] + widths_[l];
  }
  num_params_ = offsets_[layers() + 1];
}

void layered_model::init(vec_map theta, rng& gen) const {
  theta.setZero();
  if (init_ == weight_init::zeros)
    return;
  for (std::size_t l = 1; l <= layers(); ++l) {
    const float bound = std::sqrt(6.f / static_cast<float>(widths_[l - 1]));
    auto w = weights(theta.data(), l);
    for (index i = 0; i < w.size(); ++i)
      w.data()[i] = bound * (2 * uniform01(gen) - 1);
  }
}

void layered_model::reserve(layered_workspace& ws, std::size_t rows) const {
  if (rows <= ws.capacity)
    return;
  const auto chunks = chunk_count(rows, grad_chunk);
  ws.capacity = rows;
  ws.acts.resize(rows * act_prefix_[layers() + 1]);
  ws.deltas.resize(rows * act_prefix_[layers()]);
  ws.partials.resize((chunks - 1) * num_params_);
  ws.losses.resize(chunks);
}

// Z_l = A_{l-1} W_l^T + b_l as one GEMM per layer, ReLU in place on hidden
// layers. Returns the logits (rows of `b` at workspace row `row`).
row_matrix_map layered_model::forward(const float* theta, const batch_view& b,
                                      layered_workspace& ws,
                                      std::size_t row) const {
  for (std::size_t l = 1; l <= layers(); ++l) {
    auto z = rows_of(ws.acts, ws, l, row, b.rows);
    z.rowwise() = row_vec_cmap{bias(theta, l), widths_[l]};
    z.noalias() += input(b, ws, l, row) * weights(theta, l).transpose();
    if (l < layers())
      z = z.cwiseMax(0.f);
  }
  return rows_of(ws.acts, ws, layers(), row, b.rows);
}

// Expects d(loss)/d(logits) in the logits buffer. Writes (not adds) every
// parameter's gradient; the input gradient is never formed.
void layered_model::backward(const float* theta, const batch_view& b,
                             float* grad, layered_workspace& ws,
                             std::size_t row) const {
  for (std::size_t l = layers(); l >= 1; --l) {
    auto& buf = l == layers() ? ws.acts : ws.deltas;
    auto delta = rows_of(buf, ws, l, row, b.rows);
    weights(grad, l).noalias() = delta.transpose() * input(b, ws, l, row);
    vec_map{bias(grad, l), widths_[l]} = delta.colwise().sum().transpose();
    if (l == 1)
      break;
    auto prev = rows_of(ws.deltas, ws, l - 1, row, b.rows);
    prev.noalias() = delta * weights(theta, l);
    auto act = rows_of(ws.acts, ws, l - 1, row, b.rows);
    prev.array() *= (act.array() > 0.f).cast<float>();
  }
}

double layered_model::chunk_gradient(const float* theta, const batch_view& b,
                                     float scale, float* grad,
                                     layered_workspace& ws,
                                     std::size_t row) const {
  const double loss = softmax_xent(forward(theta, b, ws, row), b.labels, scale);
  backward(theta, b, grad, ws, row);
  return loss;
}

// Fixed-size chunks in parallel, each into its own gradient buffer, summed in
// chunk order: deterministic for any thread count.
double layered_model::chunked_gradient(const float* theta, const batch_view& b,
                                       vec_map grad,
                                       layered_workspace& ws) const {
  const auto chunks = chunk_count(b.rows, grad_chunk);
  const float scale = 1.f / static_cast<float>(b.rows);
  auto target = [&](std::size_t c) {
    return c == 0 ? grad.data() : ws.partials.data() + (c - 1) * num_params_;
  };
  tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
    const auto first = c * grad_chunk;
    const auto rows = std::min(grad_chunk, b.rows - first);
    ws.losses[c] =
      chunk_gradient(theta, slice(b, first, rows), scale, target(c), ws, first);
  });
  using range = tbb::blocked_range<std::size_t>;
  tbb::parallel_for(range{0, num_params_, 4096}, [&](const range& r) {
    auto dst = grad.segment(r.begin(), r.size());
    for (std::size_t c = 1; c < chunks; ++c)
      dst += vec_map{target(c) + r.begin(), static_cast<index>(r.size())};
  });
  double loss = 0;
  for (std::size_t c = 0; c < chunks; ++c)
    loss += ws.losses[c];
  return loss;
}

double layered_model::loss_and_gradient(const_vec_map theta,
                                        const batch_view& b, vec_map grad,
                                        workspace& base) const {
  assert(b.dim == static_cast<std::size_t>(widths_[0]));
  auto& ws = static_cast<layered_workspace&>(base);
  reserve(ws, b.rows);
  double loss = 0;
  if (b.rows == 0)
    grad.setZero();
  else if (b.rows <= grad_chunk) // small batches stay on the calling thread
    loss = chunk_gradient(theta.data(), b, 1.f / static_cast<float>(b.rows),
                          grad.data(), ws, 0);
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

eval_result layered_model::evaluate(const_vec_map theta,
                                    const batch_view& b) const {
  assert(b.dim == static_cast<std::size_t>(widths_[0]));
  const auto chunks = (b.rows + eval_chunk - 1) / eval_chunk;
  std::vector<double> losses(chunks);
  std::vector<std::size_t> hits(chunks);
  using range = tbb::blocked_range<std::size_t>;
  tbb::parallel_for(range{0, chunks}, [&](const range& r) {
    layered_workspace ws; // per task: evaluation is not the hot path
    reserve(ws, eval_chunk);
    for (auto c = r.begin(); c != r.end(); ++c) {
      const auto first = c * eval_chunk;
      auto part = slice(b, first, std::min(eval_chunk, b.rows - first));
      auto z = forward(theta.data(), part, ws, 0);
      for (index i = 0; i < z.rows(); ++i) {
        index best = 0;
        z.row(i).maxCoeff(&best);
        hits[c] += best == part.labels[i];
      }
      losses[c] = softmax_xent(z, part.labels, 0.f);
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

std::unique_ptr<model> make_layered_model(std::size_t dim,
                                          const std::vector<int>& hidden,
                                          int classes, double weight_decay,
                                          weight_init init) {
  std::vector<index> widths{static_cast<index>(dim)};
  widths.insert(widths.end(), hidden.begin(), hidden.end());
  widths.push_back(classes);
  return std::make_unique<layered_model>(std::move(widths), weight_decay, init);
}

std::unique_ptr<model> make_mlp(std::size_t dim, const std::vector<int>& hidden,
                                int classes, double weight_decay) {
  return make_layered_model(dim, hidden, classes, weight_decay,
                            weight_init::he_uniform);
}

} // namespace murmur
