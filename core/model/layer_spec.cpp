#include "core/model/layer_spec.hpp"

#include "core/base/error.hpp"

#include <algorithm>

namespace murmur {

namespace {

// Sizes beyond these are typos, and would overflow the shape arithmetic.
constexpr int max_size = 1 << 20;

bool requires_key(layer_kind kind, const std::string& key) {
  switch (kind) {
    case layer_kind::conv2d: return key == "out" || key == "kernel";
    case layer_kind::maxpool:
    case layer_kind::avgpool: return key == "kernel";
    case layer_kind::linear: return key == "out";
    case layer_kind::groupnorm: return key == "groups";
    case layer_kind::residual: return key == "body";
    case layer_kind::relu:
    case layer_kind::flatten: return false;
  }
  return false;
}

std::string joined(const std::vector<std::string>& keys) {
  std::string list;
  for (auto& k : keys)
    list += (list.empty() ? "" : ", ") + k;
  return list.empty() ? "none" : list;
}

int read_int(const toml::node& node, const std::string& where, int lo) {
  int v = 0;
  if (!read_value(node, v))
    throw input_error(where + ": expected an integer");
  if (v < lo || v > max_size)
    throw input_error(where + ": must be in [" + std::to_string(lo) + ", " +
                      std::to_string(max_size) + "], got " + std::to_string(v));
  return v;
}

std::vector<layer_spec> read_list(const toml::node& node,
                                  const std::string& where) {
  auto list = node.as_array();
  if (!list)
    throw input_error(where + ": expected an array of layer tables, e.g. " +
                      "[{kind = \"relu\"}]");
  return read_layers(*list, where);
}

void read_key(layer_spec& s, const std::string& key, const toml::node& node,
              const std::string& where) {
  if (key == "out")
    s.out = read_int(node, where, 1);
  else if (key == "kernel")
    s.kernel = read_int(node, where, 1);
  else if (key == "stride")
    s.stride = read_int(node, where, 1);
  else if (key == "padding")
    s.padding = read_int(node, where, 0);
  else if (key == "groups")
    s.groups = read_int(node, where, 1);
  else if (key == "bias") {
    if (!read_value(node, s.bias))
      throw input_error(where + ": expected true or false");
  } else if (key == "body")
    s.body = read_list(node, where);
  else if (key == "shortcut")
    s.shortcut = read_list(node, where);
}

layer_kind read_kind(const toml::table& table, const std::string& where) {
  auto node = table.get("kind");
  std::string name;
  if (!node || !read_value(*node, name))
    throw input_error(where + ".kind: missing; every layer names its kind (" +
                      joined_names_of<layer_kind>() + ")");
  return parse_enum<layer_kind>(where + ".kind", name);
}

layer_spec read_layer(const toml::table& table, const std::string& where) {
  layer_spec s;
  s.kind = read_kind(table, where);
  auto& allowed = keys_of(s.kind);
  for (auto& [k, node] : table) {
    std::string key{k.str()};
    if (key == "kind")
      continue;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      auto hint = closest_key(key, allowed);
      throw input_error(where + "." + key + ": not a key of " +
                        to_string(s.kind) +
                        (hint.empty() ? "" : "; did you mean " + hint + "?") +
                        " (its keys: " + joined(allowed) + ")");
    }
    read_key(s, key, node, where + "." + key);
  }
  for (auto& key : allowed)
    if (requires_key(s.kind, key) && !table.contains(key))
      throw input_error(where + "." + key + ": " + to_string(s.kind) +
                        " needs it");
  if (s.stride == 0)
    s.stride = s.kind == layer_kind::conv2d ? 1 : s.kernel;
  return s;
}

void put_int(toml::table& t, const char* key, int v) {
  t.insert(key, static_cast<std::int64_t>(v));
}

toml::table layer_to_toml(const layer_spec& s) {
  toml::table t;
  t.insert("kind", to_string(s.kind));
  for (auto& key : keys_of(s.kind)) {
    if (key == "out")
      put_int(t, "out", s.out);
    else if (key == "kernel")
      put_int(t, "kernel", s.kernel);
    else if (key == "stride")
      put_int(t, "stride", s.stride);
    else if (key == "padding")
      put_int(t, "padding", s.padding);
    else if (key == "groups")
      put_int(t, "groups", s.groups);
    else if (key == "bias")
      t.insert("bias", s.bias);
    else if (key == "body")
      t.insert("body", layers_to_toml(s.body));
    else if (key == "shortcut")
      t.insert("shortcut", layers_to_toml(s.shortcut));
  }
  return t;
}

} // namespace

bool operator==(const layer_spec& a, const layer_spec& b) {
  return a.kind == b.kind && a.out == b.out && a.kernel == b.kernel &&
         a.stride == b.stride && a.padding == b.padding &&
         a.groups == b.groups && a.bias == b.bias && a.body == b.body &&
         a.shortcut == b.shortcut;
}

const std::vector<std::string>& keys_of(layer_kind kind) {
  static const std::vector<std::string> conv{"out", "kernel", "stride",
                                             "padding", "bias"};
  static const std::vector<std::string> pool{"kernel", "stride"};
  static const std::vector<std::string> linear{"out", "bias"};
  static const std::vector<std::string> norm{"groups"};
  static const std::vector<std::string> residual{"body", "shortcut"};
  static const std::vector<std::string> none;
  switch (kind) {
    case layer_kind::conv2d: return conv;
    case layer_kind::maxpool:
    case layer_kind::avgpool: return pool;
    case layer_kind::linear: return linear;
    case layer_kind::groupnorm: return norm;
    case layer_kind::residual: return residual;
    case layer_kind::relu:
    case layer_kind::flatten: return none;
  }
  return none;
}

std::vector<layer_spec> read_layers(const toml::array& list,
                                    const std::string& where) {
  std::vector<layer_spec> result;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto entry = where + "[" + std::to_string(i) + "]";
    auto table = list.get(i)->as_table();
    if (!table)
      throw input_error(
        entry + ": expected a layer table, e.g. {kind = " + "\"relu\"}");
    result.push_back(read_layer(*table, entry));
  }
  return result;
}

toml::array layers_to_toml(const std::vector<layer_spec>& layers) {
  toml::array list;
  for (auto& s : layers)
    list.push_back(layer_to_toml(s));
  return list;
}

bool read_value(const toml::node& node, std::vector<layer_spec>& out) {
  auto list = node.as_array();
  if (!list)
    return false;
  // model.layers is the one config key of this type.
  out = read_layers(*list, "model.layers");
  return true;
}

void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<layer_spec>& v) {
  write_value(root, dotted, layers_to_toml(v));
}

} // namespace murmur
