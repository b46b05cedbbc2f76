#pragma once

// The RelaySum mechanism (Vogels et al., NeurIPS 2021; epfml/relaysgd) apart
// from the runtime, so that RelaySGD, its learning-rate correction and the
// tests share one copy.
//
// A run relays over one spanning tree, or over T = 2 trees (double binary
// trees) where tree t owns the flat indices i with i % T == t. The payload
// to a neighbour concatenates, for every tree the edge belongs to (in tree
// order), that tree's message; with T > 1 one float per such tree follows
// with its counter (exact below 2^24, far above any agent count), otherwise
// the counter travels in payload.count.

#include "core/algorithms/algorithm.hpp"
#include "core/base/schema.hpp"

#include <string>
#include <vector>

namespace murmur {

using strided = Eigen::Map<vec, 0, Eigen::InnerStride<>>;
using const_strided = Eigen::Map<const vec, 0, Eigen::InnerStride<>>;

/// The slice of a flat vector that tree `tree` of `trees` owns.
strided tree_slice(vec& v, std::size_t tree, std::size_t trees);
const_strided tree_slice(const vec& v, std::size_t tree, std::size_t trees);

/// One agent's RelaySum state over all trees: the messages it last received
/// from each tree neighbour (vector and counter) and its outgoing buffers.
class relay_node {
public:
  /// `tree_peers[t]`: this agent's neighbours in tree t (sorted);
  /// `dim`: size of the full flat vector.
  relay_node(std::vector<std::vector<agent_id>> tree_peers, std::size_t dim);

  /// Messages to every neighbour of the union of the trees (sorted order):
  /// m_{i->j} = own + sum_{k != j} m_{k->i}, c_{i->j} = own_count + sum c,
  /// both over what arrived in the previous step. Call before receive().
  outbox publish(const vec& own, std::int64_t own_count);

  /// Keeps this step's messages (inbox in sorted union order). A lost
  /// message counts as zero with counter 0, so it is never relayed and
  /// world-size normalisation fills its count with x_ref (the neighbour's
  /// previous message is not reused). This is what the RelaySGD code does
  /// with a dropped message (epfml/relaysgd utils/communication.py,
  /// RelayMechanism.receive_average: it deletes the message and its count
  /// before summing and relaying them).
  void receive(const inbox& in);

  /// out += sum of the stored messages of tree `tree`.
  void add_received(std::size_t tree, strided out) const;
  /// Sum of the stored counters of tree `tree`.
  std::int64_t received_count(std::size_t tree) const;

  std::size_t trees() const { return links_.size(); }
  const std::vector<agent_id>& peers() const { return peers_; }

private:
  struct link {
    blob data; ///< null: nothing stored (start, or lost)
    std::size_t offset = 0;
    std::int64_t count = 0;
  };
  struct route {
    std::size_t tree;
    std::size_t link;
  };

  std::size_t tree_dim(std::size_t tree) const;
  const_vec_map stored(const link& l, std::size_t tree) const;
  std::size_t payload_size(const std::vector<route>& routes) const;

  std::size_t dim_;
  std::vector<agent_id> peers_;            ///< union of the trees
  std::vector<std::vector<route>> routes_; ///< per union peer
  std::vector<std::vector<link>> links_;   ///< per tree, per tree peer
  std::vector<buffer_pool> pools_;         ///< per union peer
  std::vector<vec> totals_;                ///< per tree: own + all stored
  std::vector<std::int64_t> total_counts_;
};

/// The tree(s) RelaySum relays over.
enum class relay_tree { bfs, chain, binary, double_binary };

inline const enum_names<relay_tree>& names_of(relay_tree) {
  static const enum_names<relay_tree> n{
    {"bfs", relay_tree::bfs},
    {"chain", relay_tree::chain},
    {"binary", relay_tree::binary},
    {"double-binary", relay_tree::double_binary}};
  return n;
}

/// What the relayed sum is divided by.
enum class relay_normalization { world_size, counts };

inline const enum_names<relay_normalization>& names_of(relay_normalization) {
  static const enum_names<relay_normalization> n{
    {"world-size", relay_normalization::world_size},
    {"counts", relay_normalization::counts}};
  return n;
}

/// What stands in for the models not yet heard from (world-size).
enum class relay_fill { initial, self };

inline const enum_names<relay_fill>& names_of(relay_fill) {
  static const enum_names<relay_fill> n{{"initial", relay_fill::initial},
                                        {"self", relay_fill::self}};
  return n;
}

/// What is relayed: models (RelaySum/Model) or updates (RelaySum/Grad).
enum class relay_variant { model, grad };

inline const enum_names<relay_variant>& names_of(relay_variant) {
  static const enum_names<relay_variant> n{{"model", relay_variant::model},
                                           {"grad", relay_variant::grad}};
  return n;
}

/// Whether updates are scaled by the impulse experiment's factor.
enum class lr_correction { none, automatic };

inline const enum_names<lr_correction>& names_of(lr_correction) {
  static const enum_names<lr_correction> n{{"none", lr_correction::none},
                                           {"auto", lr_correction::automatic}};
  return n;
}

/// Per-agent RelaySGD options (keys algorithm.<name>), defaults = paper.
struct relay_options {
  relay_tree tree = relay_tree::bfs;
  relay_normalization normalization = relay_normalization::world_size;
  relay_fill fill = relay_fill::initial; ///< x_ref = x^0, or own model
  bool update_ref = false;               ///< x_ref <- x after every step
  relay_variant variant = relay_variant::model;
  lr_correction correction = lr_correction::none;
};

/// One agent's RelaySum/Model or RelaySum/Grad update, without the runtime.
class relay_agent {
public:
  relay_agent(const relay_options& opts,
              std::vector<std::vector<agent_id>> tree_peers, std::size_t n,
              const vec& x0);

  /// model: own = x^{t+1/2} = x^t + u; grad: own = u.
  outbox publish(const vec& own);

  /// model: x <- (own + received + (n - N) x_ref) / n per tree (or / N in
  /// counts mode); grad: x <- x + (own + received) / n.
  void combine(const inbox& in, const vec& own, vec& x);

  const relay_node& node() const { return node_; }

private:
  void combine_model(const vec& own, vec& x);
  void combine_grad(const vec& own, vec& x);

  relay_options opts_;
  std::size_t n_;
  relay_node node_;
  vec ref_; ///< x_ref: fill-in for the models not yet (or not) heard from
  vec sum_;
};

/// The trees of a RelaySGD run (one, or two for double-binary); bfs builds a
/// spanning tree of the configured topology from agent 0. Throws input_error
/// naming topology.kind when that graph is disconnected or time-varying.
std::vector<graph> relay_trees(relay_tree kind, const topology& configured);

/// The union of the trees, as one undirected graph.
graph tree_union(const std::vector<graph>& trees);

/// Agent `self`'s neighbour lists, one per tree.
std::vector<std::vector<agent_id>> tree_peers(const std::vector<graph>& trees,
                                              agent_id self);

/// Delivers per-neighbour or broadcast outboxes over `g`: inbox i in g.in[i]
/// order (the lock-step loop's routing, for simulations and tests).
std::vector<inbox> deliver(const graph& g, const std::vector<outbox>& out);

/// The learning-rate correction per tree (the impulse experiment of the
/// RelaySGD code's appendix notebook): every agent
/// applies one update u = +1 at step 0 (x^0 = x_ref = 0), the mechanism runs
/// until consensus, and the factor is 1 / the value it settled at, with the
/// same options as the run. World-size normalisation with fill = initial
/// attenuates (5.4 on a 16-node chain); RelaySum/Grad loses nothing (1).
std::vector<double> relay_correction_factors(const std::vector<graph>& trees,
                                             const relay_options& opts);

} // namespace murmur
