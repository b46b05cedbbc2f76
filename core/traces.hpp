#pragma once

#include <Eigen/Core>

#include <string>
#include <vector>

namespace murmur {

/// Trace files. Every loader validates as it reads and throws input_error
/// naming the file, the line and the field at fault. `field` is the config
/// key that named the file, so the message also says where it came from.

/// One positive number per line (a first line that is not a number is taken
/// as a header; blank lines and lines starting with '#' are skipped).
std::vector<double> read_number_column(const std::string& path,
                                       const std::string& field);

/// A square matrix of numbers, comma-separated, one row per line (no
/// header): e.g. pairwise site-to-site latency in milliseconds.
Eigen::MatrixXd read_square_matrix(const std::string& path,
                                   const std::string& field);

} // namespace murmur
