#pragma once

#include "core/base/schema.hpp"

#include <toml++/toml.h>

#include <string>
#include <vector>

namespace murmur {

/// The kinds of layer a network is built from (see core/model/layers/).
enum class layer_kind {
  conv2d,
  maxpool,
  avgpool,
  relu,
  linear,
  flatten,
  groupnorm,
  residual
};

inline const enum_names<layer_kind>& names_of(layer_kind) {
  static const enum_names<layer_kind> n{
    {"conv2d", layer_kind::conv2d},       {"maxpool", layer_kind::maxpool},
    {"avgpool", layer_kind::avgpool},     {"relu", layer_kind::relu},
    {"linear", layer_kind::linear},       {"flatten", layer_kind::flatten},
    {"groupnorm", layer_kind::groupnorm}, {"residual", layer_kind::residual}};
  return n;
}

/// One entry of model.layers, as written in TOML:
///
///   [[model.layers]]
///   kind = "conv2d"
///   out = 6
///   kernel = 5
///   padding = 2
///
/// Each kind takes only its own keys; a residual block nests two more lists,
/// `body` (F) and `shortcut` (s, identity when empty): output F(x) + s(x).
/// Defaults are resolved when read (stride 1 for conv2d, the kernel for
/// pools), so a written config shows the values in force.
struct layer_spec {
  layer_kind kind = layer_kind::relu;
  int out = 0;      ///< conv2d: output channels; linear: output features
  int kernel = 0;   ///< conv2d, maxpool, avgpool: square kernel side
  int stride = 0;   ///< conv2d (default 1); pools (default: the kernel)
  int padding = 0;  ///< conv2d: zeros added on every side
  int groups = 0;   ///< groupnorm: channel groups (must divide the channels)
  bool bias = true; ///< conv2d, linear: with an additive bias
  std::vector<layer_spec> body;     ///< residual: the branch F
  std::vector<layer_spec> shortcut; ///< residual: s; empty = identity
};

bool operator==(const layer_spec& a, const layer_spec& b);

/// The keys a kind takes besides `kind`, in the order they are written.
const std::vector<std::string>& keys_of(layer_kind kind);

/// Reads a list of layer tables at config key `where` (e.g. "model.layers");
/// throws input_error naming the entry and key ("model.layers[2].kernel:
/// ...") for a missing, unknown or out-of-range key.
std::vector<layer_spec> read_layers(const toml::array& list,
                                    const std::string& where);

/// The layer list as an array of TOML tables (what read_layers reads back).
toml::array layers_to_toml(const std::vector<layer_spec>& layers);

/// Config field support for model.layers (found by the schema through ADL).
bool read_value(const toml::node& node, std::vector<layer_spec>& out);
void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<layer_spec>& v);
inline const char* kind_name(const std::vector<layer_spec>*) {
  return "an array of layer tables, e.g. [{kind = \"relu\"}]";
}

} // namespace murmur
