#include "core/base/error.hpp"
#include "core/base/rng.hpp"
#include "core/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace murmur {

namespace {

// Sub-streams of stream::synthetic_data, so resizing one split leaves the
// teacher and the other split unchanged.
constexpr std::uint64_t teacher_part = 0;
constexpr std::uint64_t train_part = 1;
constexpr std::uint64_t test_part = 2;

void require(bool ok, const char* field, const char* rule) {
  if (!ok)
    throw input_error(std::string{"data.synthetic."} + field + ": " + rule);
}

void validate(const synthetic_spec& spec) {
  require(spec.train_size >= 1, "train_size", "must be >= 1");
  require(spec.test_size >= 1, "test_size", "must be >= 1");
  require(spec.dim >= 1, "dim", "must be >= 1");
  require(spec.num_classes >= 2, "num_classes", "must be >= 2");
  require(std::isfinite(spec.noise) && spec.noise >= 0, "noise",
          "must be a finite number >= 0");
}

row_matrix gaussian(std::size_t rows, std::size_t cols, double scale,
                    rng& gen) {
  std::normal_distribution<double> normal{0, scale};
  row_matrix result(static_cast<Eigen::Index>(rows),
                    static_cast<Eigen::Index>(cols));
  for (Eigen::Index i = 0; i < result.size(); ++i)
    result.data()[i] = static_cast<float>(normal(gen));
  return result;
}

dataset sample(std::size_t size, const row_matrix& teacher,
               const synthetic_spec& spec, rng& gen) {
  dataset result;
  result.features = gaussian(size, spec.dim, 1, gen);
  result.num_classes = spec.num_classes;
  result.shape = sample_shape::flat(spec.dim);
  // lazyProduct: the problem is tiny, and Eigen's blocked GEMM trips a
  // false -Wmaybe-uninitialized in GCC 12's AVX-512 intrinsics.
  row_matrix logits = result.features.lazyProduct(teacher.transpose());
  logits += gaussian(size, teacher.rows(), spec.noise, gen);
  result.labels.resize(size);
  for (std::size_t i = 0; i < size; ++i) {
    Eigen::Index best = 0;
    logits.row(static_cast<Eigen::Index>(i)).maxCoeff(&best);
    result.labels[i] = static_cast<std::int32_t>(best);
  }
  return result;
}

/// Gaussian inputs followed by their target column.
dataset regression_sample(std::size_t size, const vec& teacher,
                          const synthetic_spec& spec, rng& gen) {
  dataset result;
  auto dim = static_cast<Eigen::Index>(spec.dim);
  result.features.resize(static_cast<Eigen::Index>(size), dim + 1);
  result.features.leftCols(dim) = gaussian(size, spec.dim, 1, gen);
  result.features.col(dim) =
    result.features.leftCols(dim).lazyProduct(teacher) +
    gaussian(size, 1, spec.noise, gen);
  result.targets = 1;
  result.shape = sample_shape::flat(spec.dim + 1);
  result.num_classes = spec.num_classes;
  return result;
}

/// Labels = quantile bin of the target, with the train split's bin edges.
void bin_targets(train_test& data, int bins) {
  // size() counts labels, which are made here: go by the rows.
  auto col = data.train.features.cols() - 1;
  auto y = data.train.features.col(col);
  std::vector<float> sorted(y.begin(), y.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<float> edges; // upper edges of bins 0 .. bins-2
  for (int b = 1; b < bins; ++b)
    edges.push_back(sorted[sorted.size() * static_cast<std::size_t>(b) /
                           static_cast<std::size_t>(bins)]);
  for (auto* d : {&data.train, &data.test}) {
    d->labels.clear();
    for (float target : d->features.col(col))
      d->labels.push_back(static_cast<std::int32_t>(
        std::upper_bound(edges.begin(), edges.end(), target) - edges.begin()));
  }
}

} // namespace

train_test make_synthetic_regression(const synthetic_spec& spec,
                                     std::uint64_t seed) {
  validate(spec);
  rng teacher_gen{derive_seed(seed, stream::synthetic_data, teacher_part)};
  rng train_gen{derive_seed(seed, stream::synthetic_data, train_part)};
  rng test_gen{derive_seed(seed, stream::synthetic_data, test_part)};
  auto scale = 1 / std::sqrt(static_cast<double>(spec.dim));
  vec teacher = gaussian(spec.dim, 1, scale, teacher_gen).col(0);
  train_test data{regression_sample(spec.train_size, teacher, spec, train_gen),
                  regression_sample(spec.test_size, teacher, spec, test_gen)};
  bin_targets(data, spec.num_classes);
  return data;
}

train_test make_synthetic(const synthetic_spec& spec, std::uint64_t seed) {
  validate(spec);
  rng teacher_gen{derive_seed(seed, stream::synthetic_data, teacher_part)};
  rng train_gen{derive_seed(seed, stream::synthetic_data, train_part)};
  rng test_gen{derive_seed(seed, stream::synthetic_data, test_part)};
  // Unit-variance logits, so `noise` reads as a share of the signal.
  auto scale = 1 / std::sqrt(static_cast<double>(spec.dim));
  auto teacher = gaussian(static_cast<std::size_t>(spec.num_classes), spec.dim,
                          scale, teacher_gen);
  return {sample(spec.train_size, teacher, spec, train_gen),
          sample(spec.test_size, teacher, spec, test_gen)};
}

} // namespace murmur
