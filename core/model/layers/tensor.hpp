#pragma once

#include "core/base/types.hpp"

#include <cstddef>
#include <string>

namespace murmur {

/// The shape of one sample between two layers, and how a batch of them is
/// stored:
///
/// * spatial (channels x height x width): [channels][batch][height * width],
///   each channel's planes of the whole batch side by side, so that a
///   convolution's GEMM spans the batch (its N dimension is batch x plane);
/// * flat (features): [batch][features], a row-major matrix with one sample
///   per row, as the data set stores its rows.
///
/// With one channel both layouts coincide with the data set's rows.
struct tensor_shape {
  int channels = 1;
  int height = 1;
  int width = 1;
  bool flat = false;

  std::size_t plane() const {
    return static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  }
  std::size_t size() const {
    return static_cast<std::size_t>(channels) * plane();
  }
  bool operator==(const tensor_shape& o) const {
    return channels == o.channels && height == o.height && width == o.width &&
           flat == o.flat;
  }
  bool operator!=(const tensor_shape& o) const { return !(*this == o); }

  static tensor_shape spatial(int c, int h, int w) { return {c, h, w, false}; }
  static tensor_shape features(std::size_t n) {
    return {static_cast<int>(n), 1, 1, true};
  }
};

/// "6x28x28" for spatial shapes, "400 features" for flat ones.
std::string to_string(const tensor_shape& s);

/// Reorders a batch between the data set's rows [rows][channels][plane] and
/// the spatial layout [channels][rows][plane] (`to_spatial`), or back.
void reorder_channels(const float* from, float* to, std::size_t rows,
                      std::size_t channels, std::size_t plane, bool to_spatial);

/// A layer's flat slice of the parameter vector, as a row-major matrix.
inline const_row_matrix_map param_matrix(const float* p, std::size_t rows,
                                         std::size_t cols) {
  return {p, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols)};
}
inline row_matrix_map param_matrix(float* p, std::size_t rows,
                                   std::size_t cols) {
  return {p, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols)};
}

} // namespace murmur
