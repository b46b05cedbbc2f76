#include "core/time/traces.hpp"

#include "core/base/error.hpp"
#include "core/base/schema.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace murmur {

namespace {

std::ifstream open_trace(const std::string& path, const std::string& field) {
  std::ifstream in{path};
  if (!in)
    throw input_error(field + ": cannot read trace file '" + path + "'");
  return in;
}

bool parse_number(const std::string& text, double& out) {
  auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos)
    return false;
  auto trimmed = text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(trimmed.c_str(), &end);
  return errno == 0 && end == trimmed.c_str() + trimmed.size() &&
         std::isfinite(out);
}

[[noreturn]] void bad(const std::string& path, std::size_t line,
                      const std::string& what) {
  throw input_error(path + ":" + std::to_string(line) + ": " + what);
}

bool skippable(const std::string& line) {
  auto first = line.find_first_not_of(" \t\r");
  return first == std::string::npos || line[first] == '#';
}

/// Reads a comma-separated line of numbers into `out`. Returns 0, or the
/// 1-based position of the first field that is not a number (then `cell`
/// holds it).
std::size_t split_numbers(const std::string& line, std::vector<double>& out,
                          std::string& cell) {
  out.clear();
  std::stringstream cells{line};
  for (std::size_t col = 1; std::getline(cells, cell, ','); ++col) {
    double v = 0;
    if (!parse_number(cell, v))
      return col;
    out.push_back(v);
  }
  return 0;
}

} // namespace

std::vector<double> read_number_column(const std::string& path,
                                       const std::string& field) {
  auto in = open_trace(path, field);
  std::vector<double> values;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (skippable(line))
      continue;
    double v = 0;
    if (!parse_number(line, v)) {
      if (n == 1)
        continue; // header
      bad(path, n, "'" + line + "' is not a number");
    }
    if (!(v > 0))
      bad(path, n, "value " + line + " must be > 0");
    values.push_back(v);
  }
  if (values.empty())
    throw input_error(path + ": no values (" + field + ")");
  return values;
}

Eigen::MatrixXd read_square_matrix(const std::string& path,
                                   const std::string& field) {
  auto in = open_trace(path, field);
  std::vector<std::vector<double>> rows;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (skippable(line))
      continue;
    std::vector<double> row;
    std::string cell;
    if (auto col = split_numbers(line, row, cell))
      bad(path, n,
          "field " + std::to_string(col) + " '" + cell + "' is not a number");
    if (!rows.empty() && row.size() != rows.front().size())
      bad(path, n,
          "has " + std::to_string(row.size()) + " fields, expected " +
            std::to_string(rows.front().size()));
    rows.push_back(std::move(row));
  }
  if (rows.empty() || rows.size() != rows.front().size())
    throw input_error(path + ": expected a square matrix, got " +
                      std::to_string(rows.size()) + " rows of " +
                      std::to_string(rows.empty() ? 0 : rows[0].size()) + " (" +
                      field + ")");
  Eigen::MatrixXd m(rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows.size(); ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
        rows[i][j];
  return m;
}

capacity_rows read_capacity_rows(const std::string& path,
                                 const std::string& field) {
  auto in = open_trace(path, field);
  capacity_rows rows;
  std::size_t width = 0;
  std::vector<double> row;
  std::string line;
  std::string cell;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (skippable(line))
      continue;
    if (auto col = split_numbers(line, row, cell)) {
      if (n == 1)
        continue; // header
      bad(path, n,
          "field " + std::to_string(col) + " '" + cell + "' is not a number");
    }
    if (row.size() > 2)
      bad(path, n,
          "has " + std::to_string(row.size()) +
            " fields; expected up or up,down in bytes/s");
    if (width == 0)
      width = row.size();
    if (row.size() != width)
      bad(path, n,
          "has " + std::to_string(row.size()) + " fields, expected " +
            std::to_string(width) + " like the first row");
    for (double v : row)
      if (!(v > 0))
        bad(path, n, "capacity " + show_number(v) + " must be > 0 bytes/s");
    rows.up.push_back(row[0]);
    if (width == 2)
      rows.down.push_back(row[1]);
  }
  if (rows.up.empty())
    throw input_error(path + ": no rows (" + field + ")");
  return rows;
}

namespace {

/// A device's figures under `prefix` ("up" or "down"): prefix_u and
/// prefix_sigma, both numbers, mean > 0 and sigma >= 0.
bandwidth_stats device_stats(const std::string& path, const std::string& device,
                             const nlohmann::json& stats,
                             const std::string& prefix) {
  bandwidth_stats b;
  for (auto [suffix, target] :
       {std::pair<const char*, double*>{"_u", &b.mean}, {"_sigma", &b.sigma}}) {
    auto key = prefix + suffix;
    auto it = stats.find(key);
    if (it == stats.end() || !it->is_number())
      throw input_error(path + ": device '" + device + "': field " + key +
                        " missing or not a number");
    *target = it->get<double>();
  }
  if (!(b.mean > 0) || b.sigma < 0)
    throw input_error(path + ": device '" + device + "': field " + prefix +
                      "_u must be > 0 and " + prefix + "_sigma >= 0");
  return b;
}

} // namespace

std::vector<device_bandwidth> read_bandwidth_json(const std::string& path,
                                                  const std::string& field) {
  auto in = open_trace(path, field);
  nlohmann::json doc;
  try {
    in >> doc;
  } catch (const nlohmann::json::parse_error& e) {
    throw input_error(path + ": not valid JSON at byte " +
                      std::to_string(e.byte) + " (" + field + ")");
  } catch (const nlohmann::json::exception&) {
    // Out of range, e.g. 1e999: nlohmann reports no position for it.
    throw input_error(path + ": holds a number out of range (" + field + ")");
  }
  if (!doc.is_object() || doc.empty())
    throw input_error(path + ": expected an object of devices, e.g. "
                             "{\"dev\": {\"up_u\": 4935, \"up_sigma\": 2767}}");
  std::vector<device_bandwidth> out;
  for (auto& [device, stats] : doc.items()) {
    if (!stats.is_object())
      throw input_error(path + ": device '" + device +
                        "': expected an object with up_u and up_sigma");
    device_bandwidth d;
    d.up = device_stats(path, device, stats, "up");
    if (stats.contains("down_u") || stats.contains("down_sigma"))
      d.down = device_stats(path, device, stats, "down");
    out.push_back(d);
  }
  return out;
}

} // namespace murmur
