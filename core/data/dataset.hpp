#pragma once

#include "core/base/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace murmur {

/// The shape of one sample's features: channels x height x width, stored
/// channel after channel, row after row (PyTorch's CHW). Tabular data is
/// dim x 1 x 1.
struct sample_shape {
  int channels = 1;
  int height = 1;
  int width = 1;

  std::size_t size() const {
    return static_cast<std::size_t>(channels) *
           static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  }
  /// dim features without spatial structure.
  static sample_shape flat(std::size_t dim) {
    return {static_cast<int>(dim), 1, 1};
  }
  bool operator==(const sample_shape& o) const {
    return channels == o.channels && height == o.height && width == o.width;
  }
};

/// A labelled classification or regression set held in memory once; shards
/// and minibatches are views into it, never copies per agent.
struct dataset {
  row_matrix features;              ///< one sample per row, float
  std::vector<std::int32_t> labels; ///< class in [0, num_classes)
  int num_classes = 0;
  /// Regression sets: the last `targets` columns of `features` are the
  /// targets, so they move with their rows; `labels` then bin the first
  /// target into num_classes quantiles (for label-skewed partitions).
  std::size_t targets = 0;
  /// The shape of a feature row (shape.size() == dim()), set by the loader:
  /// images keep their channels x height x width for convolutions.
  sample_shape shape;

  std::size_t size() const { return labels.size(); }
  std::size_t dim() const { return static_cast<std::size_t>(features.cols()); }
};

struct train_test {
  dataset train;
  dataset test;
};

/// Fashion-MNIST's image shape and number of classes.
inline constexpr sample_shape fashion_mnist_shape{1, 28, 28};
inline constexpr int fashion_mnist_classes = 10;

/// Default location of Debian's dataset-fashion-mnist package.
inline const char* default_fashion_mnist_dir =
  "/usr/share/datasets/fashion-mnist";

/// Reads the four gzip'ed IDX files (train-images-idx3-ubyte.gz, ...) from
/// `dir`. Pixels are scaled to [0, 1]. Magic numbers, dimensions, counts and
/// label range are validated; any problem throws input_error naming the file
/// (and, for a missing file, the Debian package that provides it).
train_test load_fashion_mnist(const std::string& dir);

/// Images of one IDX file: one image per row, and their 1 x rows x cols
/// shape from the file's header.
struct idx_image_set {
  row_matrix pixels;
  sample_shape shape;
};

/// Reads one IDX image file (magic 0x00000803) or label file (0x00000801),
/// gzip'ed or plain. Exposed for tests.
idx_image_set read_idx_images(const std::string& path);
std::vector<std::int32_t> read_idx_labels(const std::string& path);

struct synthetic_spec {
  std::size_t train_size = 4000;
  std::size_t test_size = 1000;
  std::size_t dim = 20;
  int num_classes = 4; ///< labels = argmax of a random linear teacher
  double noise = 0.1;  ///< std of Gaussian noise added to teacher logits
};

/// Gaussian inputs labelled by a random linear (softmax) teacher: a problem a
/// softmax regression can solve almost perfectly, deterministic for a seed.
train_test make_synthetic(const synthetic_spec& spec, std::uint64_t seed);

/// Linear regression: Gaussian inputs x (spec.dim), one target
/// y = <w*, x> + N(0, noise^2) with w* ~ N(0, 1/dim) (unit-variance signal);
/// labels are the target's quantile bin among spec.num_classes (train-set
/// quantiles, applied to both splits). Deterministic for a seed.
train_test make_synthetic_regression(const synthetic_spec& spec,
                                     std::uint64_t seed);

} // namespace murmur
