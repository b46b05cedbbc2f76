#include "core/base/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace murmur {

namespace {

toml::table& subtable(toml::table& root, const std::string& dotted,
                      std::string& leaf) {
  toml::table* current = &root;
  std::size_t start = 0;
  for (auto dot = dotted.find('.'); dot != std::string::npos;
       dot = dotted.find('.', start)) {
    auto part = dotted.substr(start, dot - start);
    if (!current->contains(part))
      current->insert(part, toml::table{});
    current = current->get(part)->as_table();
    start = dot + 1;
  }
  leaf = dotted.substr(start);
  return *current;
}

template <class V>
void put(toml::table& root, const std::string& dotted, V&& value) {
  std::string leaf;
  subtable(root, dotted, leaf).insert_or_assign(leaf, std::forward<V>(value));
}

template <class Elem>
bool read_array(const toml::node& node, std::vector<Elem>& out) {
  auto arr = node.as_array();
  if (!arr)
    return false;
  out.clear();
  for (auto& item : *arr) {
    Elem value{};
    if (!read_value(item, value))
      return false;
    out.push_back(value);
  }
  return true;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min(
        {row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

} // namespace

bool read_value(const toml::node& node, std::string& out) {
  if (auto v = node.value<std::string>(); v && node.is_string()) {
    out = *v;
    return true;
  }
  return false;
}

bool read_value(const toml::node& node, bool& out) {
  if (auto v = node.as_boolean()) {
    out = v->get();
    return true;
  }
  return false;
}

bool read_value(const toml::node& node, double& out) {
  if (auto v = node.as_floating_point()) {
    out = v->get();
    return true;
  }
  if (auto v = node.as_integer()) {
    out = static_cast<double>(v->get());
    return true;
  }
  return false;
}

bool read_value(const toml::node& node, int& out) {
  auto v = node.as_integer();
  if (!v || v->get() < std::numeric_limits<int>::min() ||
      v->get() > std::numeric_limits<int>::max())
    return false;
  out = static_cast<int>(v->get());
  return true;
}

bool read_value(const toml::node& node, std::uint64_t& out) {
  auto v = node.as_integer();
  if (!v || v->get() < 0)
    return false;
  out = static_cast<std::uint64_t>(v->get());
  return true;
}

bool read_value(const toml::node& node, std::vector<int>& out) {
  return read_array(node, out);
}

bool read_value(const toml::node& node, std::vector<double>& out) {
  return read_array(node, out);
}

bool read_value(const toml::node& node, std::vector<std::string>& out) {
  return read_array(node, out);
}

void write_value(toml::table& root, const std::string& dotted,
                 const std::string& v) {
  put(root, dotted, v);
}

void write_value(toml::table& root, const std::string& dotted, bool v) {
  put(root, dotted, v);
}

void write_value(toml::table& root, const std::string& dotted, double v) {
  put(root, dotted, v);
}

void write_value(toml::table& root, const std::string& dotted, int v) {
  put(root, dotted, static_cast<std::int64_t>(v));
}

void write_value(toml::table& root, const std::string& dotted,
                 std::uint64_t v) {
  put(root, dotted, static_cast<std::int64_t>(v));
}

void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<int>& v) {
  toml::array arr;
  for (int x : v)
    arr.push_back(static_cast<std::int64_t>(x));
  put(root, dotted, std::move(arr));
}

void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<double>& v) {
  toml::array arr;
  for (double x : v)
    arr.push_back(x);
  put(root, dotted, std::move(arr));
}

std::string show_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

namespace {

/// The shortest decimal that reads back as exactly `v` (0.1, not
/// 0.10000000000000001), with a ".0" for whole numbers as TOML floats have.
std::string shortest_float(double v) {
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  std::string text = buf;
  if (std::isfinite(v) && text.find_first_of(".e") == std::string::npos)
    text += ".0";
  return text;
}

} // namespace

std::string show_node(const toml::node& node) {
  if (auto f = node.as_floating_point())
    return shortest_float(f->get());
  std::ostringstream os;
  node.visit([&](auto& v) { os << v; });
  return os.str();
}

void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<std::string>& v) {
  toml::array arr;
  for (auto& x : v)
    arr.push_back(x);
  put(root, dotted, std::move(arr));
}

void write_value(toml::table& root, const std::string& dotted, toml::array v) {
  put(root, dotted, std::move(v));
}

std::vector<std::pair<std::string, const toml::node*>>
leaves(const toml::table& root, const std::string& prefix) {
  std::vector<std::pair<std::string, const toml::node*>> result;
  for (auto& [k, node] : root) {
    auto key = prefix + std::string{k.str()};
    if (auto sub = node.as_table()) {
      auto inner = leaves(*sub, key + ".");
      result.insert(result.end(), inner.begin(), inner.end());
    } else {
      result.emplace_back(key, &node);
    }
  }
  return result;
}

std::string closest_key(const std::string& key,
                        const std::vector<std::string>& known) {
  std::string best;
  auto best_distance = std::max<std::size_t>(3, key.size() / 3) + 1;
  for (auto& candidate : known) {
    // The length difference bounds the distance from below: a long typo is
    // not compared with every key at quadratic cost.
    auto longer = std::max(key.size(), candidate.size());
    if (longer - std::min(key.size(), candidate.size()) >= best_distance)
      continue;
    auto d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

} // namespace murmur
