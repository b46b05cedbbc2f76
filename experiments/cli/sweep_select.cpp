#include "experiments/cli/sweep_select.hpp"

#include "experiments/cli/markdown.hpp"

#include <algorithm>
#include <cstdlib>

namespace murmur {

namespace {

/// A TOML value's number, if it is one.
std::optional<double> number(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    return std::nullopt;
  return v;
}

} // namespace

std::optional<std::size_t> best_point(run_metric m,
                                      const std::vector<double>& scores) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (better(m, scores[i], best ? scores[*best] : std::nan("")))
      best = i;
  return best;
}

std::vector<std::string> edge_warnings(const method_spec& method,
                                       const grid_point& point) {
  std::vector<std::string> warnings;
  for (auto& [key, value] : point.values) {
    auto axis = std::find_if(method.grid.begin(), method.grid.end(),
                             [&](const grid_axis& a) { return a.key == key; });
    auto chosen = number(value);
    if (axis == method.grid.end() || axis->values.size() < 2 || !chosen)
      continue;
    std::vector<double> values;
    for (auto& v : axis->values)
      if (auto x = number(v))
        values.push_back(*x);
    if (values.size() != axis->values.size())
      continue;
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    if (*chosen != *lo && *chosen != *hi)
      continue;
    warnings.push_back(method.name + ": " + key + " = " + bare(value) +
                       " is the " + (*chosen == *lo ? "smallest" : "largest") +
                       " value of its grid; the best may lie beyond it, "
                       "extend the grid");
  }
  return warnings;
}

} // namespace murmur
