#pragma once

#include <Eigen/Core>

#include <optional>
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

/// Per-agent link capacities in bytes/s, one agent per row: "up" or
/// "up,down", the same number of fields on every row (a first row that is not
/// numbers is a header; blank lines and '#' comments are skipped). `down` is
/// empty when the rows have one field.
struct capacity_rows {
  std::vector<double> up;
  std::vector<double> down;
};

capacity_rows read_capacity_rows(const std::string& path,
                                 const std::string& field);

/// Mean and standard deviation of one device class's bandwidth, kbit/s.
struct bandwidth_stats {
  double mean = 0;
  double sigma = 0;
};

/// One device class: upload, and download when the file has it.
struct device_bandwidth {
  bandwidth_stats up;
  std::optional<bandwidth_stats> down;
};

/// A FedScale/FLASH-style device bandwidth JSON: an object of devices, each
/// with "up_u" (mean) and "up_sigma" (standard deviation) in kbit/s, and
/// optionally "down_u" and "down_sigma". Devices in key order.
std::vector<device_bandwidth> read_bandwidth_json(const std::string& path,
                                                  const std::string& field);

} // namespace murmur
