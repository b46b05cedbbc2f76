#pragma once

// The three kinds of registered algorithm and what each gives the runtime.
//
//   synchronous   rounds: every agent computes, sends, waits for its
//                 in-neighbours, combines (D-PSGD, All-Reduce, RelaySGD,
//                 gradient tracking, DeTAG, GOCO)
//   asynchronous  compute and communication on independent clocks; nobody
//                 waits (DRACO, Gossip Learning, D-PSGD with fixed rounds)
//   protocol      an event-driven state machine per agent (Plexus, FL)
//
// A registered algorithm is one of three factory types; planning a run
// parses its options once into the algorithm's typed struct and yields the
// plan of the same kind, from which the runtime builds every agent (one spawn
// point per kind, the same for local runs and for nodes across hosts).

#include "core/algorithms/algorithm.hpp"
#include "core/algorithms/protocol.hpp"
#include "core/base/registry.hpp"
#include "core/base/schema.hpp"
#include "core/time/cost_model.hpp"
#include "topologies/topology.hpp"

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace murmur {

/// What a factory may look at when it plans a run.
struct run_shape {
  std::size_t agents = 0;
  std::size_t num_params = 0;
  std::uint64_t seed = 0;
  const topology* configured = nullptr; ///< the topology the config names
  const cost_model* cost = nullptr;
  std::size_t replication = 1; ///< base partitions each agent holds
};

/// Builds agent i's instance of a round-based algorithm.
using agent_maker = std::function<std::unique_ptr<algorithm>(agent_id)>;

struct synchronous_plan {
  topology comm; ///< the graph the algorithm talks over
  agent_maker make;
  /// Each agent samples every piece of its shard apart (one stream per
  /// replicated partition, see agent_context::propose_step) instead of the
  /// shard as a whole.
  bool sample_pieces = false;
};

struct asynchronous_plan {
  topology comm;
  async_schedule schedule;
  agent_maker make; ///< its combine/before_send/publish run once per cycle
};

struct protocol_plan {
  std::function<std::unique_ptr<protocol::node>(agent_id,
                                                const protocol::population&)>
    make;
  /// Minibatches per training round (a fresh optimizer each round).
  std::size_t local_steps = 1;
  /// Infrastructure, not a peer: an agent that is always online and sends
  /// without bandwidth limits (FL's server).
  std::optional<agent_id> server;
};

using algorithm_plan =
  std::variant<synchronous_plan, asynchronous_plan, protocol_plan>;

/// An algorithm's declared options: checked and completed with defaults
/// (throws input_error naming "algorithm.<key>"), and each key's help.
struct option_spec {
  std::function<toml::table(const toml::table& given)> resolve;
  std::function<std::vector<std::pair<std::string, std::string>>()> describe;
};

template <class Plan>
struct factory_of {
  option_spec options;
  std::function<Plan(const toml::table& resolved, const run_shape&)> plan;
};

/// A round-based algorithm also says whether it has a defined behaviour when
/// one of a round's messages is lost (network.message_loss > 0): every one
/// does that combines the messages that arrived, but a collective whose
/// result is only defined when everything arrives does not.
struct synchronous_factory : factory_of<synchronous_plan> {
  bool survives_message_loss = true;
};
using asynchronous_factory = factory_of<asynchronous_plan>;
using protocol_factory = factory_of<protocol_plan>;

/// A registered algorithm.
using algorithm_factory =
  std::variant<synchronous_factory, asynchronous_factory, protocol_factory>;

using algorithm_registry = registry<algorithm_factory>;

const option_spec& options_of(const algorithm_factory& f);

/// Asynchronous algorithms and protocols run by time (run.time_budget),
/// evaluated every run.eval_seconds; synchronous ones run by rounds.
bool runs_by_time(const algorithm_factory& f);

/// Whether a synchronous algorithm accepts network.message_loss > 0 (false
/// for the other kinds, which model their losses themselves).
bool survives_message_loss(const algorithm_factory& f);

/// Parses the resolved options once and plans the run.
algorithm_plan plan_algorithm(const algorithm_factory& f,
                              const toml::table& resolved,
                              const run_shape& shape);

/// The declared options of an algorithm with a typed options struct;
/// `check` states the rules between its keys.
template <class Options>
option_spec declared_options(const schema<Options>& declared, std::string name,
                             std::function<void(const Options&)> check = {}) {
  option_spec spec;
  spec.resolve = [&declared, name, check](const toml::table& given) {
    for (auto& [key, node] : leaves(given, "algorithm."))
      if (!declared.declares(key)) {
        auto hint = closest_key(key, declared.keys());
        std::string known;
        for (auto& k : declared.keys())
          known += (known.empty() ? "" : ", ") + k;
        throw input_error(key + ": not an option of algorithm '" + name + "'" +
                          (hint.empty() ? "" : "; did you mean " + hint + "?") +
                          " (its options: " + (known.empty() ? "none" : known) +
                          ")");
      }
    Options opts;
    toml::table prefixed;
    prefixed.insert("algorithm", given);
    declared.apply(opts, prefixed);
    if (check)
      check(opts);
    auto resolved = declared.to_toml(opts);
    auto sub = resolved["algorithm"].as_table();
    return sub ? *sub : toml::table{};
  };
  spec.describe = [&declared] {
    std::vector<std::pair<std::string, std::string>> result;
    for (auto& f : declared.fields())
      result.emplace_back(f.key.substr(f.key.find('.') + 1), f.help);
    return result;
  };
  return spec;
}

/// Reads a typed options struct back from resolved options (once per run).
template <class Options>
Options parse_options(const schema<Options>& declared,
                      const toml::table& resolved) {
  Options opts;
  toml::table prefixed;
  prefixed.insert("algorithm", resolved);
  declared.apply(opts, prefixed);
  return opts;
}

/// The configured topology, which must be connected (every phase's union):
/// throws input_error naming topology.kind otherwise.
const topology& connected(const run_shape& shape,
                          const std::string& algorithm_name);

/// An algorithm without options.
struct no_options {};
const schema<no_options>& no_options_schema();

} // namespace murmur
