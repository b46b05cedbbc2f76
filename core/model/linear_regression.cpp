// Least-squares linear regression: the strongly convex problem GOCO's
// analysis assumes (as GOCO's analysis does). Targets travel as the last
// columns of each feature row (dataset::targets), so shards, shuffles and
// minibatches move them with their inputs at no extra cost.
#include "core/model/model.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cassert>
#include <vector>

namespace murmur {

namespace {

using index = Eigen::Index;

constexpr std::size_t eval_chunk = 512;

struct linear_workspace : workspace {
  row_matrix residual; ///< batch x outputs
};

class linear_regression : public model {
public:
  linear_regression(index inputs, index outputs, double weight_decay)
    : inputs_(inputs), outputs_(outputs),
      weight_decay_(static_cast<float>(weight_decay)) {}

  std::size_t num_params() const override {
    return static_cast<std::size_t>((inputs_ + 1) * outputs_);
  }

  void init(vec_map theta, rng&) const override { theta.setZero(); }

  std::unique_ptr<workspace> make_workspace() const override {
    return std::make_unique<linear_workspace>();
  }

  // loss = 1/(2B) sum ||W x + b - y||^2 + wd/2 ||theta||^2
  double loss_and_gradient(const_vec_map theta, const batch_view& batch,
                           vec_map grad, workspace& ws) const override {
    const auto b = matrix_rows(batch);
    auto& r = static_cast<linear_workspace&>(ws).residual;
    residuals(theta.data(), b, r);
    const float inv_b = 1.f / static_cast<float>(b.rows);
    auto x = b.x().leftCols(inputs_);
    weights(grad.data()).noalias() = inv_b * r.transpose() * x;
    bias(grad.data()) = inv_b * r.colwise().sum().transpose();
    double loss = 0.5 * static_cast<double>(r.squaredNorm()) * inv_b;
    if (weight_decay_ > 0) {
      grad += weight_decay_ * theta;
      loss += 0.5 * weight_decay_ * static_cast<double>(theta.squaredNorm());
    }
    return loss;
  }

  /// loss: mean of ||W x + b - y||^2 / 2; accuracy: the coefficient of
  /// determination R^2 = 1 - SSE / SST over `b` (1 = perfect, 0 = no better
  /// than predicting the mean). Sums per fixed chunk, reduced in chunk order.
  eval_result evaluate(const_vec_map theta,
                       const batch_view& b) const override {
    assert(b.dim == static_cast<std::size_t>(inputs_ + outputs_));
    assert(b.is_matrix());
    const auto chunks = (b.rows + eval_chunk - 1) / eval_chunk;
    struct sums {
      double sse = 0;
      Eigen::VectorXd y, y2;
    };
    std::vector<sums> part(chunks);
    using range = tbb::blocked_range<std::size_t>;
    tbb::parallel_for(range{0, chunks}, [&](const range& rg) {
      row_matrix r;
      for (auto c = rg.begin(); c != rg.end(); ++c) {
        auto first = c * eval_chunk;
        auto piece = b.slice(first, std::min(eval_chunk, b.rows - first));
        residuals(theta.data(), piece, r);
        auto y = piece.x().rightCols(outputs_).cast<double>();
        part[c].sse = static_cast<double>(r.squaredNorm());
        part[c].y = y.colwise().sum().transpose();
        part[c].y2 = y.array().square().colwise().sum().transpose();
      }
    });
    eval_result result;
    if (b.rows == 0)
      return result;
    double sse = 0;
    Eigen::VectorXd y = Eigen::VectorXd::Zero(outputs_);
    Eigen::VectorXd y2 = Eigen::VectorXd::Zero(outputs_);
    for (auto& p : part) {
      sse += p.sse;
      y += p.y;
      y2 += p.y2;
    }
    const auto n = static_cast<double>(b.rows);
    double sst = (y2 - y.cwiseProduct(y) / n).sum();
    result.loss = 0.5 * sse / n;
    result.accuracy = sst > 0 ? 1 - sse / sst : 0;
    return result;
  }

  // The residuals' product, then the weight gradient's.
  double gradient_flops(std::size_t rows) const override {
    return 4.0 * static_cast<double>(rows) *
           static_cast<double>(inputs_ * outputs_);
  }

private:
  Eigen::Map<row_matrix> weights(float* theta) const {
    return {theta, outputs_, inputs_};
  }
  Eigen::Map<const row_matrix> weights(const float* theta) const {
    return {theta, outputs_, inputs_};
  }
  vec_map bias(float* theta) const {
    return {theta + outputs_ * inputs_, outputs_};
  }
  const_vec_map bias(const float* theta) const {
    return {theta + outputs_ * inputs_, outputs_};
  }

  /// r = X W^T + 1 b^T - Y for the batch's inputs X and targets Y.
  void residuals(const float* theta, const batch_view& b, row_matrix& r) const {
    auto rows = static_cast<index>(b.rows);
    r.resize(rows, outputs_); // allocates only when the batch size changes
    auto x = b.x();
    r.rowwise() = bias(theta).transpose();
    r.noalias() += x.leftCols(inputs_) * weights(theta).transpose();
    r -= x.rightCols(outputs_);
  }

  index inputs_;
  index outputs_;
  float weight_decay_;
};

} // namespace

std::unique_ptr<model> make_linear_regression(std::size_t inputs,
                                              std::size_t outputs,
                                              double weight_decay) {
  return std::make_unique<linear_regression>(
    static_cast<index>(inputs), static_cast<index>(outputs), weight_decay);
}

} // namespace murmur
