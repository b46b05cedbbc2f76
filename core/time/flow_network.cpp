#include "core/time/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace murmur {

namespace {

constexpr double unlimited = std::numeric_limits<double>::infinity();

/// A flow is done when at most this fraction of its bytes is left, so the
/// rounding of remaining -= rate x dt never leaves a sliver that would cost
/// one more event, and flows that end together up to rounding end at once.
constexpr double done_fraction = 1e-9;

/// A flow id is (start sequence << slot_bits) | slot: ids grow with starts,
/// and the slot is found without a map.
constexpr int slot_bits = 24;
constexpr std::uint64_t slot_mask = (std::uint64_t{1} << slot_bits) - 1;
constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

void check_capacities(const std::vector<double>& capacities,
                      const char* which) {
  for (double c : capacities)
    if (!(c > 0))
      throw std::invalid_argument(std::string{"flow_network: "} + which +
                                  " capacities must be > 0 (inf = "
                                  "unlimited)");
}

} // namespace

flow_network::flow_network(std::vector<double> uplinks,
                           std::vector<double> downlinks, sharing_kind sharing)
  : sharing_(sharing), links_(2 * uplinks.size()), agents_(uplinks.size()) {
  if (uplinks.size() != downlinks.size())
    throw std::invalid_argument("flow_network: one uplink and one downlink "
                                "per agent");
  check_capacities(uplinks, "uplink");
  check_capacities(downlinks, "downlink");
  for (std::size_t i = 0; i < uplinks.size(); ++i) {
    links_[i].capacity = uplinks[i];
    links_[uplinks.size() + i].capacity = downlinks[i];
  }
}

flow_id flow_network::start(double now, agent_id from, agent_id to,
                            std::uint64_t bytes, double latency) {
  if (from >= agents() || to >= agents())
    throw std::out_of_range("flow_network: no such agent");
  if (!(latency >= 0 && std::isfinite(latency)))
    throw std::invalid_argument("flow_network: latency must be finite, >= 0");
  if (next_seq_ >> (64 - slot_bits))
    throw std::length_error("flow_network: flow ids exhausted");
  enter(now);
  auto slot = allocate();
  auto& f = flows_[slot];
  f = flow{};
  f.id = (next_seq_++ << slot_bits) | slot;
  f.from = from;
  f.to = to;
  f.bytes = bytes;
  f.started = now;
  f.state = phase::latency;
  ++live_;
  agent_joins(from, now);
  if (to != from)
    agent_joins(to, now);
  if (latency > 0)
    events_.set(slot, now + latency, f.id);
  else
    activate(slot, now);
  return f.id;
}

std::optional<double> flow_network::cancel(double now, flow_id id) {
  auto slot = slot_of(id);
  if (slot == no_slot)
    return std::nullopt;
  enter(now);
  auto& f = flows_[slot];
  double left = static_cast<double>(f.bytes);
  if (f.state == phase::sending) {
    // The rate has held since settled_at: changes made at this instant
    // take effect from now on.
    left = f.remaining;
    if (f.rate > 0)
      left = f.rate == unlimited
               ? 0.0
               : f.remaining - f.rate * (time_ - f.settled_at);
  }
  double sent = static_cast<double>(f.bytes) - std::max(0.0, left);
  release(slot, now);
  return sent;
}

double flow_network::next_event() {
  recompute();
  if (!done_.empty())
    return time_;
  return events_.empty() ? unlimited : events_.top_key();
}

const std::vector<flow_done>& flow_network::advance(double now) {
  if (!(now >= time_))
    throw std::logic_error("flow_network: advance() went back in time");
  recompute();
  while (!events_.empty() && events_.top_key() <= now) {
    double t = events_.top_key();
    time_ = t;
    while (!events_.empty() && events_.top_key() <= t) {
      auto slot = events_.top();
      events_.pop();
      if (flows_[slot].state == phase::latency)
        activate(slot, t);
      else
        finish(slot, t);
    }
    recompute();
  }
  time_ = now;
  reported_.clear();
  std::swap(reported_, done_);
  std::sort(reported_.begin(), reported_.end(),
            [](const flow_done& a, const flow_done& b) {
              return a.finished < b.finished ||
                     (a.finished == b.finished && a.id < b.id);
            });
  return reported_;
}

double flow_network::rate(flow_id id) {
  recompute();
  auto slot = slot_of(id);
  if (slot == no_slot)
    throw std::logic_error("flow_network: rate() of a flow not in flight");
  auto& f = flows_[slot];
  return f.state == phase::sending ? f.rate : 0.0;
}

agent_traffic flow_network::traffic(agent_id i, double now) {
  if (!(now >= time_))
    throw std::logic_error("flow_network: traffic() before the last event");
  recompute();
  auto carried = [now](const link& l) {
    return l.carried + l.load * (now - l.settled_at);
  };
  auto& a = agents_[i];
  agent_traffic out;
  out.bytes_sent = carried(links_[i]);
  out.bytes_received = carried(links_[agents_.size() + i]);
  out.network_seconds =
    a.network_seconds + (a.in_flight > 0 ? now - a.busy_since : 0.0);
  return out;
}

busiest_link flow_network::busiest(const std::vector<agent_traffic>& before,
                                   const std::vector<agent_traffic>& after,
                                   double seconds) const {
  if (before.size() != agents() || after.size() != agents())
    throw std::invalid_argument("flow_network: one snapshot per agent");
  busiest_link best;
  if (!(seconds > 0))
    return best;
  auto used = [seconds](double bytes, double capacity) {
    return std::isinf(capacity) ? 0.0 : bytes / (capacity * seconds);
  };
  for (agent_id i = 0; i < agents(); ++i) {
    double up_use = used(after[i].bytes_sent - before[i].bytes_sent, uplink(i));
    double down_use =
      used(after[i].bytes_received - before[i].bytes_received, downlink(i));
    if (up_use > best.utilisation)
      best = {i, true, up_use};
    if (down_use > best.utilisation)
      best = {i, false, down_use};
  }
  return best;
}

std::size_t flow_network::place(flow_id id) {
  return static_cast<std::size_t>(id & slot_mask);
}

bool flow_network::eligible(std::uint32_t slot) const {
  auto& f = flows_[slot];
  if (f.state != phase::sending)
    return false;
  return sharing_ != sharing_kind::fifo || links_[up(f)].flows.front() == slot;
}

std::uint32_t flow_network::slot_of(flow_id id) const {
  auto slot = static_cast<std::uint32_t>(id & slot_mask);
  if (slot < flows_.size() && flows_[slot].id == id &&
      flows_[slot].state != phase::free)
    return slot;
  return no_slot;
}

void flow_network::enter(double now) {
  if (!(now >= time_))
    throw std::logic_error("flow_network: a call went back in time");
  if (now == time_)
    return;
  recompute();
  if (!events_.empty() && events_.top_key() < now)
    throw std::logic_error("flow_network: events before this time are "
                           "pending; call advance() first");
  time_ = now;
}

std::uint32_t flow_network::allocate() {
  if (!free_slots_.empty()) {
    auto slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  if (flows_.size() > slot_mask)
    throw std::length_error("flow_network: too many flows in flight");
  flows_.emplace_back();
  return static_cast<std::uint32_t>(flows_.size() - 1);
}

void flow_network::touch(std::uint32_t l) {
  if (!links_[l].touched) {
    links_[l].touched = true;
    touched_.push_back(l);
  }
}

void flow_network::activate(std::uint32_t slot, double t) {
  auto& f = flows_[slot];
  f.state = phase::sending;
  f.remaining = static_cast<double>(f.bytes);
  f.settled_at = t;
  f.rate = 0;
  links_[up(f)].flows.push_back(slot);
  links_[down(f)].flows.push_back(slot);
  touch(up(f));
  touch(down(f));
}

void flow_network::finish(std::uint32_t slot, double t) {
  auto& f = flows_[slot];
  if (f.rate == unlimited) {
    // Not in any link's load (it would make load x dt undefined): its bytes
    // went through in no time.
    links_[up(f)].carried += static_cast<double>(f.bytes);
    links_[down(f)].carried += static_cast<double>(f.bytes);
  }
  done_.push_back({f.id, f.from, f.to, f.bytes, f.started, t});
  release(slot, t);
}

void flow_network::release(std::uint32_t slot, double t) {
  auto& f = flows_[slot];
  if (f.state == phase::sending)
    unlink(slot);
  events_.erase(slot);
  agent_leaves(f.from, t);
  if (f.to != f.from)
    agent_leaves(f.to, t);
  f.state = phase::free;
  --live_;
  free_slots_.push_back(slot);
}

void flow_network::unlink(std::uint32_t slot) {
  auto& f = flows_[slot];
  for (auto l : {up(f), down(f)}) {
    links_[l].flows.erase(slot);
    touch(l);
  }
}

void flow_network::agent_joins(agent_id a, double t) {
  if (agents_[a].in_flight++ == 0)
    agents_[a].busy_since = t;
}

void flow_network::agent_leaves(agent_id a, double t) {
  if (--agents_[a].in_flight == 0)
    agents_[a].network_seconds += t - agents_[a].busy_since;
}

void flow_network::recompute() {
  if (touched_.empty())
    return;
  // Settling may finish flows within tolerance, which changes the component:
  // collect again until nothing more finishes (settling twice at the same
  // time changes nothing).
  do
    collect_component();
  while (settle(time_));
  if (sharing_ == sharing_kind::independent)
    share_independently();
  else
    share_max_min();
  update_loads_and_events(time_);
  for (auto l : touched_)
    links_[l].touched = false;
  touched_.clear();
}

void flow_network::collect_component() {
  ++epoch_;
  component_links_.clear();
  component_flows_.clear();
  auto add_link = [this](std::uint32_t l) {
    if (links_[l].seen != epoch_) {
      links_[l].seen = epoch_;
      component_links_.push_back(l);
    }
  };
  for (auto l : touched_)
    add_link(l);
  // Independent flows do not affect each other: only the flows on touched
  // links change, and only their other ends' loads need updating.
  bool closure = sharing_ != sharing_kind::independent;
  auto seeds = component_links_.size();
  for (std::size_t k = 0; k < component_links_.size(); ++k) {
    if (!closure && k >= seeds)
      break;
    for (auto slot : links_[component_links_[k]].flows) {
      auto& f = flows_[slot];
      if (f.seen == epoch_)
        continue;
      f.seen = epoch_;
      component_flows_.push_back(slot);
      if (!closure || eligible(slot)) {
        add_link(up(f));
        add_link(down(f));
      }
    }
  }
}

bool flow_network::settle(double t) {
  for (auto l : component_links_) {
    auto& k = links_[l];
    if (k.settled_at < t) {
      k.carried += k.load * (t - k.settled_at);
      k.settled_at = t;
    }
  }
  bool finished = false;
  for (auto slot : component_flows_) {
    auto& f = flows_[slot];
    if (f.state != phase::sending)
      continue;
    if (f.settled_at < t && f.rate > 0)
      f.remaining =
        f.rate == unlimited ? 0.0 : f.remaining - f.rate * (t - f.settled_at);
    f.settled_at = t;
    f.settled_rate = f.rate;
    if (f.remaining <= done_fraction * static_cast<double>(f.bytes)) {
      finish(slot, t);
      finished = true;
    }
  }
  return finished;
}

/// Progressive filling: every unfrozen flow's rate rises together until a
/// link runs out; that link's flows freeze at its fair share, which is given
/// out of their other links. The next link to run out is the one with the
/// smallest spare / unfrozen, kept in an indexed heap (a link's share only
/// grows as flows elsewhere freeze below it).
void flow_network::share_max_min() {
  for (auto l : component_links_) {
    links_[l].spare = links_[l].capacity;
    links_[l].unfrozen = 0;
  }
  for (auto slot : component_flows_) {
    auto& f = flows_[slot];
    if (f.state != phase::sending)
      continue;
    f.frozen = !eligible(slot);
    if (f.frozen) {
      f.rate = 0; // queued behind its uplink's current flow (fifo)
      continue;
    }
    ++links_[up(f)].unfrozen;
    ++links_[down(f)].unfrozen;
  }
  auto offer = [this](std::uint32_t l) {
    auto& k = links_[l];
    if (k.unfrozen == 0 || std::isinf(k.capacity))
      bottlenecks_.erase(l);
    else
      bottlenecks_.set(l, k.spare / k.unfrozen, l);
  };
  for (auto l : component_links_)
    offer(l);
  while (!bottlenecks_.empty()) {
    auto l = bottlenecks_.top();
    double share = bottlenecks_.top_key();
    bottlenecks_.pop();
    for (auto slot : links_[l].flows) {
      auto& f = flows_[slot];
      if (f.frozen)
        continue;
      f.rate = share;
      f.frozen = true;
      auto other = l == up(f) ? down(f) : up(f);
      links_[other].spare -= share;
      --links_[other].unfrozen;
      offer(other);
    }
    links_[l].unfrozen = 0;
  }
  // Flows left have two unlimited ends.
  for (auto slot : component_flows_) {
    auto& f = flows_[slot];
    if (f.state == phase::sending && !f.frozen)
      f.rate = unlimited;
  }
}

void flow_network::share_independently() {
  for (auto slot : component_flows_) {
    auto& f = flows_[slot];
    if (f.state == phase::sending)
      f.rate = std::min(links_[up(f)].capacity, links_[down(f)].capacity);
  }
}

void flow_network::update_loads_and_events(double t) {
  for (auto l : component_links_) {
    double load = 0;
    for (auto slot : links_[l].flows)
      if (flows_[slot].rate != unlimited)
        load += flows_[slot].rate;
    links_[l].load = load;
  }
  for (auto slot : component_flows_) {
    auto& f = flows_[slot];
    if (f.state != phase::sending)
      continue;
    if (f.rate == 0)
      events_.erase(slot);
    else if (f.rate != f.settled_rate || !events_.contains(slot))
      // An unchanged rate keeps its completion time (up to rounding): most
      // flows of a large component keep theirs and stay put in the heap.
      events_.set(slot, f.rate == unlimited ? t : t + f.remaining / f.rate,
                  f.id);
  }
}

} // namespace murmur
