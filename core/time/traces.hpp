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

/// Upload bandwidth statistics of one device class, kbit/s.
struct bandwidth_stats {
  double mean = 0;
  double sigma = 0;
};

/// A FedScale/FLASH-style device bandwidth JSON: an object of devices, each
/// with "up_u" (mean) and "up_sigma" (standard deviation) in kbit/s (other
/// keys such as down_u are ignored). Devices in key order.
std::vector<bandwidth_stats> read_bandwidth_json(const std::string& path,
                                                 const std::string& field);

} // namespace murmur
