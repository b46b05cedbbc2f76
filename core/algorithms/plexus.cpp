#include "core/algorithms/plexus.hpp"

#include "core/time/availability.hpp"

#include <algorithm>
#include <numeric>

namespace murmur::plexus {

void merge(view_entry& mine, const view_entry& theirs) {
  mine.last_active = std::max(mine.last_active, theirs.last_active);
  if (theirs.index > mine.index) {
    mine.index = theirs.index;
    mine.joined = theirs.joined;
  }
}

void merge(view& mine, const view& theirs) {
  auto n = std::min(mine.size(), theirs.size());
  for (std::size_t i = 0; i < n; ++i)
    merge(mine[i], theirs[i]);
}

std::vector<agent_id> active_peers(const view& v, round_t round,
                                   round_t inactivity) {
  std::vector<agent_id> out;
  round_t oldest = round > inactivity ? round - inactivity : 0;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].joined && v[i].last_active >= oldest)
      out.push_back(static_cast<agent_id>(i));
  return out;
}

std::uint64_t sample_key(agent_id id, round_t k) {
  return derive_seed(0, derive_seed(0, id), k);
}

std::vector<agent_id> candidates(round_t k, std::vector<agent_id> peers) {
  std::vector<std::pair<std::uint64_t, agent_id>> keyed;
  keyed.reserve(peers.size());
  for (auto p : peers)
    keyed.emplace_back(sample_key(p, k), p);
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t i = 0; i < keyed.size(); ++i)
    peers[i] = keyed[i].second;
  return peers;
}

std::vector<agent_id> aggregator_order(round_t k,
                                       const std::vector<agent_id>& peers,
                                       std::size_t s,
                                       const std::vector<double>& bandwidth) {
  auto order = candidates(k, peers);
  order.resize(std::min(order.size(), s));
  auto bw = [&](agent_id i) { return i < bandwidth.size() ? bandwidth[i] : 0; };
  std::stable_sort(order.begin(), order.end(),
                   [&](agent_id a, agent_id b) { return bw(a) > bw(b); });
  return order;
}

std::vector<agent_id> bootstrap_sample(const std::vector<bool>& online,
                                       std::size_t s, std::uint64_t seed) {
  std::vector<agent_id> up;
  for (std::size_t i = 0; i < online.size(); ++i)
    if (online[i])
      up.push_back(static_cast<agent_id>(i));
  rng gen{derive_seed(seed, stream::algorithm)};
  std::shuffle(up.begin(), up.end(), gen);
  up.resize(std::min(up.size(), s));
  std::sort(up.begin(), up.end());
  return up;
}

agent_id central_agent(const link_model& links, std::size_t agents) {
  agent_id best = 0;
  double best_median = forever;
  std::vector<double> to(agents);
  for (std::size_t i = 0; i < agents; ++i) {
    for (std::size_t j = 0; j < agents; ++j)
      to[j] = links.latency(static_cast<agent_id>(i), static_cast<agent_id>(j));
    auto mid = to.begin() + static_cast<long>(agents / 2);
    std::nth_element(to.begin(), mid, to.end());
    if (*mid < best_median) {
      best_median = *mid;
      best = static_cast<agent_id>(i);
    }
  }
  return best;
}

blob average(const std::vector<blob>& models) {
  auto sum = std::make_shared<vec>(vec::Zero(models.front()->size()));
  for (auto& m : models)
    *sum += *m;
  *sum /= static_cast<float>(models.size());
  return sum;
}

node::node(agent_id id, const options& opts, const protocol::population& who)
  : id_(id), opts_(opts), bandwidth_(who.bandwidth),
    online_at_start_(who.online_at_start), seed_(who.seed),
    gen_(derive_seed(who.seed, stream::algorithm, id + 1)),
    online_(who.online_at_start[id]), view_(who.online_at_start.size()) {
  auto& online = who.online_at_start;
  // Offline-at-start agents are pre-marked LEAVE everywhere (the initial
  // membership is known out of band).
  for (std::size_t i = 0; i < online.size(); ++i)
    view_[i].joined = online[i];
}

void node::start(blob initial, effects& out) {
  if (!online_)
    return;
  auto first = bootstrap_sample(online_at_start_, opts_.sample_size, seed_);
  if (std::binary_search(first.begin(), first.end(), id_)) {
    round_ = started_ = 1;
    training_ = 1;
    out.train = {1, std::move(initial)};
  }
}

std::vector<agent_id> node::active(round_t round) const {
  return active_peers(view_, round, opts_.inactivity);
}

void node::heard(agent_id from, round_t round) {
  auto& e = view_[from];
  e.last_active = std::max(e.last_active, round);
}

void node::send(agent_id to, message m, effects& out) {
  m.from = id_;
  out.sends.push_back({to, std::move(m)});
}

void node::send_model(agent_id to, kind what, round_t k, blob model,
                      effects& out) {
  // Pending joins enter the view only now, so a fresh joiner is not sampled
  // before the model it will need has moved on (join hold-back).
  for (auto& [who, entry] : pending_joins_)
    merge(view_[who], entry);
  pending_joins_.clear();
  view_[id_].last_active = std::max(view_[id_].last_active, round_);
  message m;
  m.what = code(what);
  m.round = k;
  m.model = std::move(model);
  m.peers = view_;
  send(to, std::move(m), out);
}

void node::find(purpose what, round_t k, std::vector<agent_id> order,
                std::size_t want, blob model, effects& out) {
  auto ref = next_ref_++;
  pings_[ref] = {what, k, std::move(order), 0, want, {}, {}, std::move(model)};
  top_up(ref, out);
}

/// Pings candidates in order until answered + outstanding reach the target;
/// the agent itself counts as available without a ping.
void node::top_up(std::uint64_t ref, effects& out) {
  auto& r = pings_.at(ref);
  while (r.found.size() + r.waiting.size() < r.want &&
         r.next < r.order.size()) {
    auto c = r.order[r.next++];
    if (c == id_) {
      r.found.push_back(c);
      continue;
    }
    r.waiting.insert(c);
    message m;
    m.what = code(kind::ping);
    m.round = round_;
    m.ref = ref;
    send(c, std::move(m), out);
    // One ping per candidate: the simulated network loses messages only to
    // offline agents, so the authors' re-ping after 1 s would change nothing.
    out.timers.push_back({code(timer_kind::ping), ref, c, opts_.ping_timeout});
  }
  if (r.found.size() >= r.want || r.waiting.empty())
    found(ref, out);
}

void node::found(std::uint64_t ref, effects& out) {
  auto r = std::move(pings_.at(ref));
  pings_.erase(ref);
  if (r.what == purpose::sample) {
    for (auto to : r.found)
      send_model(to, kind::aggregated, r.round, r.model, out);
    return;
  }
  if (!sending_ || sending_->round != r.round)
    return;
  // Shuffled, so trainers with the same order spread their sends.
  std::shuffle(r.found.begin(), r.found.end(), gen_);
  sending_->awaiting.insert(r.found.begin(), r.found.end());
  sending_->failover.assign(r.order.begin() + static_cast<long>(r.next),
                            r.order.end());
  for (auto to : r.found)
    send_model(to, kind::trained, r.round, sending_->model, out);
  if (sending_->awaiting.empty())
    sending_.reset(); // no aggregator left: this model is lost
}

void node::receive(const message& m, effects& out) {
  if (!online_)
    return;
  heard(m.from, m.round);
  switch (static_cast<kind>(m.what)) {
    case kind::ping: {
      message pong;
      pong.what = code(kind::pong);
      pong.round = round_;
      pong.ref = m.ref;
      send(m.from, std::move(pong), out);
      break;
    }
    case kind::pong: {
      auto it = pings_.find(m.ref);
      if (it == pings_.end() || it->second.waiting.erase(m.from) == 0)
        break;
      it->second.found.push_back(m.from);
      top_up(m.ref, out);
      break;
    }
    case kind::trained: on_trained(m, out); break;
    case kind::aggregated: on_aggregated(m, out); break;
    case kind::ack: on_ack(m, out); break;
    case kind::membership: on_membership(m, out); break;
  }
}

void node::on_aggregated(const message& m, effects& out) {
  merge(view_, m.peers);
  if (m.round > round_) {
    round_ = m.round;
    // A newer model supersedes whatever is in training: its partial result
    // is discarded, never sent.
    if (training_) {
      training_.reset();
      out.cancel = true;
    }
  }
  if (m.round <= started_)
    return;
  started_ = m.round;
  training_ = m.round;
  out.train = {m.round, m.model};
}

void node::trained(round_t k, blob model, effects& out) {
  if (!online_ || training_ != k)
    return;
  training_.reset();
  sending_ = outgoing{k + 1, std::move(model), {}, {}};
  std::vector<agent_id> order;
  if (opts_.fixed_aggregator)
    order = {opts_.fixed_id};
  else
    order =
      aggregator_order(k + 1, active(k + 1), opts_.sample_size, *bandwidth_);
  find(purpose::aggregators, k + 1, std::move(order), opts_.aggregators,
       nullptr, out);
}

void node::on_trained(const message& m, effects& out) {
  merge(view_, m.peers);
  if (completed_.count(m.round)) {
    ++stale_;
    return;
  }
  auto& buffer = buffers_[m.round];
  if (buffer.empty())
    out.timers.push_back(
      {code(timer_kind::aggregation), m.round, id_, opts_.aggregation_timeout});
  buffer.emplace(m.from, m.model); // at most one model per sender
  auto needed = static_cast<std::size_t>(
    static_cast<double>(opts_.sample_size) * opts_.success_fraction);
  if (buffer.size() >= std::max<std::size_t>(1, needed))
    complete(m.round, out);
}

void node::complete(round_t k, effects& out) {
  auto buffer = std::move(buffers_.at(k));
  buffers_.erase(k);
  completed_.insert(k);
  std::vector<blob> models;
  for (auto& [from, model] : buffer) {
    models.push_back(model);
    message ack;
    ack.what = code(kind::ack);
    ack.round = k;
    ack.flag = true;
    send(from, std::move(ack), out);
  }
  auto avg = average(models);
  out.aggregated.emplace_back(k, avg);
  round_ = std::max(round_, k);
  find(purpose::sample, k, candidates(k, active(k)), opts_.sample_size, avg,
       out);
}

void node::on_ack(const message& m, effects& out) {
  if (!sending_ || sending_->round != m.round ||
      sending_->awaiting.count(m.from) == 0)
    return;
  if (m.flag) {
    sending_.reset();
    return;
  }
  // The aggregator went offline: mark it so and forward the model to the
  // next eligible candidate.
  merge(view_[m.from], view_entry{0, m.ref, false});
  sending_->awaiting.erase(m.from);
  if (!sending_->awaiting.empty())
    return;
  auto rest = std::move(sending_->failover);
  find(purpose::aggregators, m.round, std::move(rest), 1, nullptr, out);
}

void node::on_membership(const message& m, effects&) {
  view_entry e{m.round, m.ref, m.flag};
  if (m.flag)
    merge(pending_joins_[m.from], e);
  else
    merge(view_[m.from], e);
}

void node::expire(const timer& t, effects& out) {
  if (!online_)
    return;
  if (t.what == code(timer_kind::ping)) {
    auto it = pings_.find(t.ref);
    if (it != pings_.end() && it->second.waiting.erase(t.peer) > 0)
      top_up(t.ref, out);
    return;
  }
  auto it = buffers_.find(t.ref);
  if (it == buffers_.end())
    return;
  // At the deadline a round completes with at least 3 models, else it is
  // dropped (as sacs-epfl/plexus does).
  if (it->second.size() >= 3) {
    complete(t.ref, out);
  } else {
    buffers_.erase(it);
    completed_.insert(t.ref);
  }
}

void node::advertise(bool join, effects& out) {
  auto& self = view_[id_];
  self.index += 1;
  self.joined = join;
  // Leave goes to active peers, join to every known peer.
  std::vector<agent_id> to;
  if (join) {
    to.resize(view_.size());
    std::iota(to.begin(), to.end(), agent_id{0});
  } else {
    to = active(round_);
  }
  to.erase(std::remove(to.begin(), to.end(), id_), to.end());
  std::shuffle(to.begin(), to.end(), gen_);
  to.resize(std::min(to.size(), 10 * opts_.sample_size));
  for (auto peer : to) {
    message m;
    m.what = code(kind::membership);
    m.round = round_;
    m.ref = self.index;
    m.flag = join;
    send(peer, std::move(m), out);
  }
}

void node::leave(effects& out) {
  if (!online_)
    return;
  advertise(false, out);
  // Everyone who sent (or may be sending) us a model to aggregate learns
  // that we will not: the contributors and the sample that trains for it.
  std::set<round_t> open;
  for (auto& [k, buffer] : buffers_)
    open.insert(k);
  open.insert(round_ + 1);
  for (auto k : open) {
    std::set<agent_id> told;
    if (auto it = buffers_.find(k); it != buffers_.end())
      for (auto& [from, model] : it->second)
        told.insert(from);
    auto trainers = candidates(k - 1, active(k - 1));
    trainers.resize(std::min(trainers.size(), opts_.sample_size));
    told.insert(trainers.begin(), trainers.end());
    told.erase(id_);
    for (auto to : told) {
      message m;
      m.what = code(kind::ack);
      m.round = k;
      m.ref = view_[id_].index;
      m.flag = false;
      send(to, std::move(m), out);
    }
  }
  online_ = false;
  out.cancel = training_.has_value();
  training_.reset();
  sending_.reset();
  buffers_.clear();
  pings_.clear();
  pending_joins_.clear();
}

void node::join(effects& out) {
  if (online_)
    return;
  online_ = true;
  advertise(true, out);
}

protocol::role node::current_role() const {
  // A buffer is erased when its round completes.
  for (auto& [k, buffer] : buffers_)
    if (!buffer.empty())
      return protocol::role::aggregating;
  return training_ ? protocol::role::training : protocol::role::none;
}

} // namespace murmur::plexus
