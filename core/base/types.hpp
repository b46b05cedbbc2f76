#pragma once

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <memory>

/// Numeric vocabulary shared by every part of murmur. Models are flat float
/// vectors; data sets are row-major float matrices (one sample per row) so a
/// minibatch is a contiguous block of rows.
namespace murmur {

using scalar = float;
using vec = Eigen::VectorXf;
using vec_map = Eigen::Map<vec>;
using const_vec_map = Eigen::Map<const vec>;
using row_matrix =
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using row_matrix_map = Eigen::Map<row_matrix>;
using const_row_matrix_map = Eigen::Map<const row_matrix>;

/// A model-sized vector shared read-only by everyone who received it. Inside
/// a process a sent model is never copied: receivers hold a reference.
using blob = std::shared_ptr<const vec>;

using agent_id = std::uint32_t;
using round_t = std::uint64_t;

} // namespace murmur
