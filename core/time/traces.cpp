#include "core/time/traces.hpp"

#include "core/base/error.hpp"

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
    std::stringstream cells{line};
    std::string cell;
    for (std::size_t col = 1; std::getline(cells, cell, ','); ++col) {
      double v = 0;
      if (!parse_number(cell, v))
        bad(path, n,
            "field " + std::to_string(col) + " '" + cell + "' is not a number");
      row.push_back(v);
    }
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

std::vector<bandwidth_stats> read_bandwidth_json(const std::string& path,
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
  std::vector<bandwidth_stats> out;
  for (auto& [device, stats] : doc.items()) {
    bandwidth_stats b;
    for (auto [key, target] : {std::pair<const char*, double*>{"up_u", &b.mean},
                               {"up_sigma", &b.sigma}}) {
      auto it = stats.is_object() ? stats.find(key) : stats.end();
      if (it == stats.end() || !it->is_number())
        throw input_error(path + ": device '" + device + "': field " + key +
                          " missing or not a number");
      *target = it->get<double>();
    }
    if (!(b.mean > 0) || b.sigma < 0)
      throw input_error(path + ": device '" + device +
                        "': field up_u must be > 0 and up_sigma >= 0");
    out.push_back(b);
  }
  return out;
}

} // namespace murmur
