#include "core/algorithms/relay_sum.hpp"

#include <algorithm>
#include <stdexcept>

namespace murmur {

strided tree_slice(vec& v, std::size_t tree, std::size_t trees) {
  auto size = (static_cast<std::size_t>(v.size()) + trees - 1 - tree) / trees;
  return {v.data() + tree, static_cast<Eigen::Index>(size),
          Eigen::InnerStride<>(static_cast<Eigen::Index>(trees))};
}

const_strided tree_slice(const vec& v, std::size_t tree, std::size_t trees) {
  auto size = (static_cast<std::size_t>(v.size()) + trees - 1 - tree) / trees;
  return {v.data() + tree, static_cast<Eigen::Index>(size),
          Eigen::InnerStride<>(static_cast<Eigen::Index>(trees))};
}

// ---- relay_node -------------------------------------------------------------

relay_node::relay_node(std::vector<std::vector<agent_id>> tree_peers,
                       std::size_t dim)
  : dim_(dim) {
  for (auto& list : tree_peers)
    peers_.insert(peers_.end(), list.begin(), list.end());
  std::sort(peers_.begin(), peers_.end());
  peers_.erase(std::unique(peers_.begin(), peers_.end()), peers_.end());
  routes_.resize(peers_.size());
  links_.resize(tree_peers.size());
  for (std::size_t t = 0; t < tree_peers.size(); ++t) {
    links_[t].resize(tree_peers[t].size());
    totals_.emplace_back(static_cast<Eigen::Index>(tree_dim(t)));
    for (std::size_t k = 0; k < tree_peers[t].size(); ++k) {
      auto p =
        std::lower_bound(peers_.begin(), peers_.end(), tree_peers[t][k]) -
        peers_.begin();
      routes_[static_cast<std::size_t>(p)].push_back({t, k});
    }
  }
  total_counts_.resize(tree_peers.size());
  for (auto& r : routes_)
    pools_.emplace_back(payload_size(r));
}

std::size_t relay_node::tree_dim(std::size_t tree) const {
  return (dim_ + trees() - 1 - tree) / trees();
}

std::size_t relay_node::payload_size(const std::vector<route>& routes) const {
  std::size_t size = trees() > 1 ? routes.size() : 0; // trailing counters
  for (auto& r : routes)
    size += tree_dim(r.tree);
  return size;
}

const_vec_map relay_node::stored(const link& l, std::size_t tree) const {
  return {l.data->data() + l.offset, static_cast<Eigen::Index>(tree_dim(tree))};
}

outbox relay_node::publish(const vec& own, std::int64_t own_count) {
  for (std::size_t t = 0; t < trees(); ++t) {
    totals_[t] = tree_slice(own, t, trees());
    total_counts_[t] = own_count;
    for (auto& l : links_[t])
      if (l.data) {
        totals_[t] += stored(l, t);
        total_counts_[t] += l.count;
      }
  }
  // Subtracting the recipient's own message from the total excludes it in
  // O(degree) rather than O(degree^2); what it sent is relayed back to no
  // one, and rounding errors leave the tree within a diameter.
  outbox box{{}, true};
  for (std::size_t p = 0; p < peers_.size(); ++p) {
    auto buffer = pools_[p].acquire();
    std::size_t pos = 0;
    std::int64_t count_sum = 0;
    for (auto& r : routes_[p]) {
      auto& l = links_[r.tree][r.link];
      auto seg = buffer->segment(static_cast<Eigen::Index>(pos),
                                 static_cast<Eigen::Index>(tree_dim(r.tree)));
      seg = totals_[r.tree];
      if (l.data)
        seg -= stored(l, r.tree);
      pos += tree_dim(r.tree);
      count_sum += total_counts_[r.tree] - l.count;
    }
    if (trees() > 1)
      for (auto& r : routes_[p])
        (*buffer)[static_cast<Eigen::Index>(pos++)] = static_cast<float>(
          total_counts_[r.tree] - links_[r.tree][r.link].count);
    box.items.push_back({std::move(buffer), count_sum});
  }
  return box;
}

void relay_node::receive(const inbox& in) {
  if (in.size() != peers_.size())
    throw std::logic_error("relay_node: inbox does not match the tree");
  for (std::size_t p = 0; p < in.size(); ++p) {
    auto& msg = in[p].msg;
    if (in[p].from != peers_[p] ||
        (msg.data && static_cast<std::size_t>(msg.data->size()) !=
                       payload_size(routes_[p])))
      throw std::logic_error("relay_node: message from an unexpected peer");
    std::size_t pos = 0;
    std::size_t counter = payload_size(routes_[p]) - routes_[p].size();
    for (auto& r : routes_[p]) {
      auto& l = links_[r.tree][r.link];
      if (!msg.data) {
        l = link{};
        continue;
      }
      auto count = trees() > 1
                     ? static_cast<std::int64_t>(
                         (*msg.data)[static_cast<Eigen::Index>(counter++)])
                     : msg.count;
      l = link{msg.data, pos, count};
      pos += tree_dim(r.tree);
    }
  }
}

void relay_node::add_received(std::size_t tree, strided out) const {
  for (auto& l : links_[tree])
    if (l.data)
      out += stored(l, tree);
}

std::int64_t relay_node::received_count(std::size_t tree) const {
  std::int64_t c = 0;
  for (auto& l : links_[tree])
    c += l.count;
  return c;
}

// ---- relay_agent ------------------------------------------------------------

relay_agent::relay_agent(const relay_options& opts,
                         std::vector<std::vector<agent_id>> tree_peers,
                         std::size_t n, const vec& x0)
  : opts_(opts), n_(n),
    node_(std::move(tree_peers), static_cast<std::size_t>(x0.size())), ref_(x0),
    sum_(x0.size()) {}

outbox relay_agent::publish(const vec& own) {
  // RelaySum/Grad relays updates and needs no counters.
  return node_.publish(own, opts_.variant == relay_variant::model ? 1 : 0);
}

void relay_agent::combine(const inbox& in, const vec& own, vec& x) {
  node_.receive(in);
  if (opts_.variant == relay_variant::model)
    combine_model(own, x);
  else
    combine_grad(own, x);
}

void relay_agent::combine_model(const vec& own, vec& x) {
  auto trees = node_.trees();
  auto n = static_cast<float>(n_);
  for (std::size_t t = 0; t < trees; ++t) {
    auto out = tree_slice(x, t, trees);
    auto mine = tree_slice(own, t, trees);
    out = mine;
    node_.add_received(t, out);
    auto heard = 1 + node_.received_count(t);
    if (opts_.normalization == relay_normalization::counts) {
      out /= static_cast<float>(heard);
      continue;
    }
    auto missing = static_cast<float>(static_cast<std::int64_t>(n_) - heard);
    const vec& fill = opts_.fill == relay_fill::self ? own : ref_;
    if (missing > 0)
      out += missing * tree_slice(fill, t, trees);
    out /= n;
  }
  if (opts_.update_ref)
    ref_ = x;
}

void relay_agent::combine_grad(const vec& own, vec& x) {
  auto trees = node_.trees();
  for (std::size_t t = 0; t < trees; ++t) {
    auto total = tree_slice(sum_, t, trees);
    total = tree_slice(own, t, trees);
    node_.add_received(t, total);
    tree_slice(x, t, trees) += total / static_cast<float>(n_);
  }
}

// ---- trees ------------------------------------------------------------------

std::vector<graph> relay_trees(relay_tree kind, const topology& configured) {
  auto n = configured.size();
  switch (kind) {
    case relay_tree::chain: return {chain_tree(n)};
    case relay_tree::binary: return {binary_tree(n)};
    case relay_tree::double_binary:
      return {binary_tree(n), mirrored_binary_tree(n)};
    case relay_tree::bfs: break;
  }
  auto& g = configured.phases.front();
  if (configured.time_varying() || !g.is_undirected() || !is_connected(g))
    throw input_error("topology.kind: relaysgd builds its bfs spanning tree "
                      "from a static, undirected, connected graph, which '" +
                      configured.name +
                      "' is not; pick one or set algorithm.tree to chain, "
                      "binary or double-binary");
  return {bfs_spanning_tree(g, 0)};
}

graph tree_union(const std::vector<graph>& trees) {
  std::vector<std::pair<agent_id, agent_id>> edges;
  for (auto& t : trees)
    for (agent_id i = 0; i < t.size(); ++i)
      for (auto j : t.out[i])
        edges.emplace_back(i, j);
  return undirected_graph(trees.front().size(), edges);
}

std::vector<std::vector<agent_id>> tree_peers(const std::vector<graph>& trees,
                                              agent_id self) {
  std::vector<std::vector<agent_id>> peers;
  for (auto& t : trees)
    peers.push_back(t.out[self]);
  return peers;
}

std::vector<inbox> deliver(const graph& g, const std::vector<outbox>& out) {
  std::vector<inbox> in(g.size());
  for (agent_id i = 0; i < g.size(); ++i)
    for (auto from : g.in[i]) {
      auto& box = out[from];
      auto& targets = g.out[from];
      auto slot =
        std::lower_bound(targets.begin(), targets.end(), i) - targets.begin();
      in[i].push_back(
        {from,
         box.items[box.per_neighbour ? static_cast<std::size_t>(slot) : 0]});
    }
  return in;
}

// ---- learning-rate correction -----------------------------------------------

namespace {

/// Agents of an impulse simulation: one entry per tree.
struct impulse_run {
  impulse_run(const std::vector<graph>& trees, const relay_options& opts)
    : comm(tree_union(trees)),
      x(comm.size(), vec::Zero(static_cast<Eigen::Index>(trees.size()))) {
    for (agent_id i = 0; i < comm.size(); ++i)
      agents.emplace_back(opts, tree_peers(trees, i), comm.size(), x[i]);
  }

  /// One step, with update u on every agent (model: own = x + u).
  void step(float u, bool model) {
    std::vector<vec> own(x.size());
    std::vector<outbox> out;
    for (std::size_t i = 0; i < x.size(); ++i) {
      own[i] = model ? vec(x[i].array() + u) : vec::Constant(x[i].size(), u);
      out.push_back(agents[i].publish(own[i]));
    }
    auto in = deliver(comm, out);
    for (std::size_t i = 0; i < x.size(); ++i)
      agents[i].combine(in[i], own[i], x[i]);
  }

  /// Largest difference between agents, over the entries.
  double spread() const {
    double s = 0;
    for (auto& xi : x)
      s = std::max(s,
                   static_cast<double>((xi - x.front()).cwiseAbs().maxCoeff()));
    return s;
  }

  graph comm;
  std::vector<vec> x;
  std::vector<relay_agent> agents;
};

} // namespace

std::vector<double> relay_correction_factors(const std::vector<graph>& trees,
                                             const relay_options& opts) {
  impulse_run run{trees, opts};
  bool model = opts.variant == relay_variant::model;
  run.step(1, model);
  // Counters settle after a diameter; the values then contract to consensus
  // geometrically. 1e-6 of a unit impulse is well below float noise in the
  // factor; the cap only guards against a setting that never settles.
  std::size_t least = 2 * run.comm.size();
  for (std::size_t s = 0; s < 1000 * run.comm.size(); ++s) {
    if (s >= least && run.spread() < 1e-6)
      break;
    run.step(0, model);
  }
  std::vector<double> factors;
  for (std::size_t t = 0; t < trees.size(); ++t) {
    double mean = 0;
    for (auto& xi : run.x)
      mean += xi[static_cast<Eigen::Index>(t)];
    factors.push_back(static_cast<double>(run.x.size()) / mean);
  }
  return factors;
}

} // namespace murmur
