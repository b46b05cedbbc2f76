#pragma once

// The whole message vocabulary of murmur's actors, declared once: atoms,
// payload types and their inspect overloads (so every message can also cross
// a process boundary), and register_messages() for actor_system_config.

#include "core/algorithms/algorithm.hpp"
#include "core/algorithms/protocol.hpp"
#include "core/run/held_models.hpp"
#include "core/run/metrics.hpp"
#include "core/time/injections.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <type_traits>

namespace murmur {

// Atoms (0.17: at most 10 characters).
using start_atom = caf::atom_constant<caf::atom("start")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using inbox_atom = caf::atom_constant<caf::atom("inbox")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using compute_atom = caf::atom_constant<caf::atom("computed")>;
using inject_atom = caf::atom_constant<caf::atom("inject")>;
using command_atom = caf::atom_constant<caf::atom("command")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using depart_atom = caf::atom_constant<caf::atom("depart")>;
using scripted_atom = caf::atom_constant<caf::atom("scripted")>;
// Asynchronous algorithms (actors/async_trainer, actors/async_mailer).
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using broadcast_atom = caf::atom_constant<caf::atom("broadcast")>;
using eval_atom = caf::atom_constant<caf::atom("eval")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
// Event-driven protocols (actors/protocol_agent, actors/lineage_observer).
using churn_atom = caf::atom_constant<caf::atom("churn")>;
using lineage_atom = caf::atom_constant<caf::atom("lineage")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
// The run's network (actors/network).
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using refund_atom = caf::atom_constant<caf::atom("refund")>;

/// A payload travelling from one agent's mailer to another's.
struct exchange {
  agent_id from = 0;
  round_t round = 0; ///< asynchronous algorithms: the broadcast index
  payload msg;
  double sent_at = 0; ///< seconds on the run's clock (staleness)
};

/// A transfer handed to the network actor: `bytes` from `from` to `to`,
/// paying `hops` link latencies first; when it is over, `msg` goes to the
/// actor of every agent in `deliver` (none: the bytes were lost).
struct transfer_request {
  agent_id from = 0;
  agent_id to = 0;
  std::uint64_t seq = 0; ///< the sender's count of transfers: the tie-break
  std::uint64_t bytes = 0;
  std::uint32_t hops = 1;
  std::vector<agent_id> deliver;
  caf::message msg;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer_request& x) {
  return f(caf::meta::type_name("transfer_request"), x.from, x.to, x.seq,
           x.bytes, x.hops, x.deliver, x.msg);
}

/// What an asynchronous agent's mailer counted so far.
struct comm_stats {
  std::uint64_t messages_sent = 0;      ///< deliveries attempted (per receiver)
  std::uint64_t messages_delivered = 0; ///< models handed over for mixing
  std::uint64_t bytes_sent = 0;         ///< messages_sent at wire size
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, comm_stats& x) {
  return f(caf::meta::type_name("comm_stats"), x.messages_sent,
           x.messages_delivered, x.bytes_sent);
}

/// An agent's report to the observer after an evaluated round.
struct report {
  agent_id from = 0;
  round_t round = 0; ///< rounds completed
  agent_report data;
};

/// Largest vector a peer may announce (2^28 floats = 1 GiB): a corrupt or
/// hostile length is refused before anything is allocated.
constexpr std::uint64_t max_wire_floats = std::uint64_t{1} << 28;

/// Inspects `head...` followed by a vector as a length and raw host-endian
/// floats: one memcpy per vector instead of one serializer call per element
/// (CAF 0.17's serializer has apply_raw for exactly this).
template <class Inspector, class... Head>
typename Inspector::result_type inspect_with_blob(Inspector& f, blob& x,
                                                  Head&&... head) {
  std::uint64_t n = x ? static_cast<std::uint64_t>(x->size()) : 0;
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    auto save = caf::meta::save_callback([&]() -> caf::error {
      if (n == 0)
        return caf::error{};
      return f.apply_raw(n * sizeof(float), const_cast<float*>(x->data()));
    });
    return f(std::forward<Head>(head)..., n, save);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    auto load = caf::meta::load_callback([&]() -> caf::error {
      if (n > max_wire_floats)
        return caf::make_error(caf::sec::invalid_argument);
      auto v = std::make_shared<vec>(static_cast<Eigen::Index>(n));
      if (n > 0)
        if (auto err = f.apply_raw(n * sizeof(float), v->data()))
          return err;
      x = std::move(v);
      return caf::error{};
    });
    return f(std::forward<Head>(head)..., n, load);
  } else {
    return f(std::forward<Head>(head)..., n);
  }
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payload& x) {
  return inspect_with_blob(f, x.data, caf::meta::type_name("payload"), x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exchange& x) {
  return inspect_with_blob(f, x.msg.data, caf::meta::type_name("exchange"),
                           x.from, x.round, x.sent_at, x.msg.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, report& x) {
  return inspect_with_blob(
    f, x.data.model, caf::meta::type_name("report"), x.from, x.round,
    x.data.train_loss, x.data.bytes_sent, x.data.steps, x.data.busy_seconds,
    x.data.idle_seconds, x.data.messages_sent, x.data.messages_delivered,
    x.data.online, x.data.model_on_node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command& x) {
  return f(caf::meta::type_name("command"), x.what, x.first, x.last, x.factor,
           x.seconds);
}

/// What an agent is doing when asked (live views).
enum class agent_activity : std::uint8_t {
  computing, ///< a step, cycle or training is under way
  waiting,   ///< for its neighbours, its next cycle or the protocol
  offline,   ///< churned out
};

inline const enum_names<agent_activity>& names_of(agent_activity) {
  static const enum_names<agent_activity> n{
    {"computing", agent_activity::computing},
    {"waiting", agent_activity::waiting},
    {"offline", agent_activity::offline}};
  return n;
}

/// What a trainer says about itself when asked for its status.
struct agent_status {
  agent_id id = 0;
  round_t round = 0;
  std::uint64_t steps = 0;
  double slowdown = 1;
  double extra_delay = 0;
  bool paused = false;
  bool killed = false;
  double busy_seconds = 0; ///< modelled compute charged so far
  agent_activity activity = agent_activity::waiting;
  protocol::role role = protocol::role::none; ///< protocols only
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_status& x) {
  return f(caf::meta::type_name("agent_status"), x.id, x.round, x.steps,
           x.slowdown, x.extra_delay, x.paused, x.killed, x.busy_seconds,
           x.activity, x.role);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transfer& x) {
  return f(caf::meta::type_name("transfer"), x.to, x.bytes, x.hops, x.carries);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outbox& x) {
  return f(caf::meta::type_name("outbox"), x.items, x.per_neighbour, x.wire);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, received& x) {
  return f(caf::meta::type_name("received"), x.from, x.msg);
}

// Across hosts (actors/remote): a launcher asks each `murmur node` to host
// some agents, then wires every mailer to the full directory.
using host_atom = caf::atom_constant<caf::atom("host")>;
using wire_atom = caf::atom_constant<caf::atom("wire")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;

/// Which agents a node should host, and the run's resolved config (TOML
/// text) from which it builds the same experiment as the launcher.
struct host_request {
  std::vector<agent_id> agents;
  std::string config;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_request& x) {
  return f(caf::meta::type_name("host_request"), x.agents, x.config);
}

/// A node's answer: its run id and the handles of the agents it spawned, in
/// the order asked for.
struct hosted_agents {
  std::uint64_t run = 0;
  std::vector<caf::actor> trainers;
  std::vector<caf::actor> mailers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hosted_agents& x) {
  return f(caf::meta::type_name("hosted_agents"), x.run, x.trainers, x.mailers);
}

/// The launcher's second step: the full mailer directory of a run, and its
/// network actor (none when the network is instant).
struct wiring {
  std::uint64_t run = 0;
  std::vector<caf::actor> mailers;
  caf::actor network;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wiring& x) {
  return f(caf::meta::type_name("wiring"), x.run, x.mailers, x.network);
}

/// Launcher to node, at the end of a run: the bytes over the node's direct
/// links, one entry per peer node it connected to.
using links_atom = caf::atom_constant<caf::atom("links")>;

/// Bytes that crossed the connection from one node to a peer node, as the
/// kernel counted them (sent = acknowledged by the peer, received = arrived).
struct peer_traffic {
  std::string peer; ///< "host:port" as hosts.list names it
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_traffic& x) {
  return f(caf::meta::type_name("peer_traffic"), x.peer, x.sent, x.received);
}

// Evaluation across hosts: the launcher's observer asks each node's model
// holder (actors/model_holder.hpp) for the parts of a round's evaluation
// that need the models (core/run/held_models.hpp), in three steps.
using summary_atom = caf::atom_constant<caf::atom("summary")>;
using fixsum_atom = caf::atom_constant<caf::atom("fixsum")>;
using distance_atom = caf::atom_constant<caf::atom("distance")>;
/// Node to the launcher's observer: a direct link to a peer node dropped
/// (why, the peer's agents, and whether the peer's fate was checked).
using dropped_atom = caf::atom_constant<caf::atom("dropped")>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_accuracy& x) {
  return f(caf::meta::type_name("agent_accuracy"), x.slot, x.accuracy);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, held_summary& x) {
  return f(caf::meta::type_name("held_summary"), x.models, x.exponents,
           x.accuracies);
}

/// A holder's squared distances to the average, one per agent whose model
/// it holds.
struct held_distances {
  std::vector<agent_id> ids;
  std::vector<float> distances;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, held_distances& x) {
  return f(caf::meta::type_name("held_distances"), x.ids, x.distances);
}

/// Registers every message type with a config (same names on every node).
void register_messages(caf::actor_system_config& cfg);

} // namespace murmur

// Found by argument-dependent lookup, so beside the protocol's types.
namespace murmur::protocol {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, membership& x) {
  return f(caf::meta::type_name("membership"), x.last_active, x.index,
           x.joined);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message& x) {
  return inspect_with_blob(f, x.model, caf::meta::type_name("protocol_message"),
                           x.what, x.from, x.round, x.ref, x.flag, x.peers);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timer& x) {
  return f(caf::meta::type_name("protocol_timer"), x.what, x.ref, x.peer,
           x.delay);
}

} // namespace murmur::protocol
