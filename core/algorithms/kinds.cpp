#include "core/algorithms/kinds.hpp"

#include <algorithm>

namespace murmur {

namespace {

/// All edges of every phase: a time-varying graph mixes everything if this
/// union is connected.
graph union_of(const std::vector<graph>& phases) {
  graph u;
  u.in.resize(phases.front().size());
  u.out.resize(phases.front().size());
  for (auto& g : phases)
    for (std::size_t i = 0; i < g.size(); ++i) {
      u.in[i].insert(u.in[i].end(), g.in[i].begin(), g.in[i].end());
      u.out[i].insert(u.out[i].end(), g.out[i].begin(), g.out[i].end());
    }
  for (auto* lists : {&u.in, &u.out})
    for (auto& l : *lists) {
      std::sort(l.begin(), l.end());
      l.erase(std::unique(l.begin(), l.end()), l.end());
    }
  return u;
}

} // namespace

const option_spec& options_of(const algorithm_factory& f) {
  return std::visit(
    [](auto& kind) -> const option_spec& { return kind.options; }, f);
}

bool runs_by_time(const algorithm_factory& f) {
  return !std::holds_alternative<synchronous_factory>(f);
}

bool survives_message_loss(const algorithm_factory& f) {
  auto* sync = std::get_if<synchronous_factory>(&f);
  return sync && sync->survives_message_loss;
}

algorithm_plan plan_algorithm(const algorithm_factory& f,
                              const toml::table& resolved,
                              const run_shape& shape) {
  return std::visit(
    [&](auto& kind) -> algorithm_plan { return kind.plan(resolved, shape); },
    f);
}

const topology& connected(const run_shape& shape,
                          const std::string& algorithm_name) {
  auto& t = *shape.configured;
  if (!is_connected(union_of(t.phases)))
    throw input_error("topology.kind: the '" + t.name +
                      "' graph is not connected, which " + algorithm_name +
                      " needs; pick a connected topology or raise its "
                      "density");
  return t;
}

const schema<no_options>& no_options_schema() {
  static const schema<no_options> s;
  return s;
}

} // namespace murmur
