#pragma once

#include <cstddef>

namespace murmur {

/// A square-kernel convolution over spatial tensors [channels][rows][plane]
/// (tensor.hpp).
struct conv_geometry {
  std::size_t channels, height, width; ///< input
  std::size_t kernel, stride, padding;
  std::size_t out_height, out_width;

  std::size_t plane() const { return height * width; }
  std::size_t out_plane() const { return out_height * out_width; }
  /// Rows of the patch matrix: one per (channel, kernel row, kernel column).
  std::size_t patch() const { return channels * kernel * kernel; }
};

/// Writes the patch matrix of samples [n0, n0 + count) of `in` (a batch of
/// `rows`) into `cols`: row (c, ki, kj), column (t, ho, wo) holds input
/// pixel (c, n0 + t, ho * stride + ki - padding, wo * stride + kj - padding),
/// or 0 in the padding. Row-major, patch() x (count * out_plane()).
void im2col(const conv_geometry& g, const float* in, std::size_t rows,
            std::size_t n0, std::size_t count, float* cols);

/// The adjoint of im2col: overwrites samples [n0, n0 + count) of `din` with
/// the sum of the patch-matrix gradient `dcols` over every column that
/// reads each pixel. Clobbers the entries of `dcols` that fall in the
/// padding.
void col2im(const conv_geometry& g, float* dcols, std::size_t rows,
            std::size_t n0, std::size_t count, float* din);

} // namespace murmur
