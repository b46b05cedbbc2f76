#include "experiments/cli/markdown.hpp"

#include <cstdio>
#include <cstdlib>

namespace murmur {

void markdown_row(std::ostream& out, const std::vector<std::string>& cells) {
  out << "|";
  for (auto& c : cells)
    out << " " << c << " |";
  out << "\n";
}

void markdown_header(std::ostream& out, const std::vector<std::string>& cells) {
  markdown_row(out, cells);
  markdown_row(out, std::vector<std::string>(cells.size(), "---"));
}

std::string percent(const mean_std& s) {
  char buf[64];
  if (s.count > 1)
    std::snprintf(buf, sizeof buf, "%.2f ± %.2f", 100 * s.mean, 100 * s.std);
  else
    std::snprintf(buf, sizeof buf, "%.2f", 100 * s.mean);
  return buf;
}

std::string general(const mean_std& s) {
  char buf[64];
  if (s.count > 1)
    std::snprintf(buf, sizeof buf, "%.4g ± %.2g", s.mean, s.std);
  else
    std::snprintf(buf, sizeof buf, "%.4g", s.mean);
  return buf;
}

std::string fixed(const mean_std& s, int decimals) {
  char buf[96];
  if (s.count > 1)
    std::snprintf(buf, sizeof buf, "%.*f ± %.*f", decimals, s.mean, decimals,
                  s.std);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, s.mean);
  return buf;
}

std::string with_hits(const std::string& text, std::size_t hits,
                      std::size_t runs) {
  if (hits == 0)
    return "not reached (0/" + std::to_string(runs) + ")";
  if (hits < runs)
    return text + " (" + std::to_string(hits) + "/" + std::to_string(runs) +
           ")";
  return text;
}

std::string reached(const mean_std& s, std::size_t hits, std::size_t runs,
                    int decimals) {
  return with_hits(fixed(s, decimals), hits, runs);
}

std::string bare(const std::string& value) {
  if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
      value.back() == value.front())
    return value.substr(1, value.size() - 2);
  char* end = nullptr;
  double number = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size())
    return value;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", number);
  return buf;
}

} // namespace murmur
