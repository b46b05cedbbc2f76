#include "actors/async_mailer.hpp"

#include "actors/network.hpp"

#include <algorithm>
#include <random>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<async_mailer_state>*;

double now_seconds(self_ptr self) {
  return self->state.env->seconds(self->clock().now());
}

const async_schedule& schedule_of(self_ptr self) {
  return self->state.env->exp->asynchronous()->schedule;
}

/// The next tick of the send clock, if it has one: an Exp(comm_rate) gap
/// (Poisson) or one period. Ticks carry the clock's epoch, so a restarted
/// clock ignores the ticks of the old one.
void schedule_tick(self_ptr self) {
  auto& s = self->state;
  auto& sched = schedule_of(self);
  double gap = 0;
  if (sched.sends == send_clock::poisson)
    gap = std::exponential_distribution<double>{sched.comm_rate}(s.clock_gen);
  else if (sched.sends == send_clock::periodic)
    gap = sched.period;
  else
    return; // after_compute: the trainer says when
  self->delayed_send(self, to_timespan(gap), broadcast_atom::value,
                     s.clock_epoch);
}

/// One send: the latest snapshot to everyone in range (or `fanout` of the
/// online ones), each delivery lost independently.
void broadcast(self_ptr self) {
  auto& s = self->state;
  auto k = s.broadcasts++;
  if (!s.online)
    return; // offline agents send nothing
  auto& exp = *s.env->exp;
  auto out = *exp.hood(s.id, k).out;
  auto fanout = schedule_of(self).fanout;
  // Picking peers (Gossip Learning): among those online now, as the
  // reference simulator draws from its online nodes (sacs-epfl/plexus
  // dlsim/gl); a message to an offline peer would only be lost.
  if (fanout > 0 && exp.online) {
    auto now = now_seconds(self);
    out.erase(
      std::remove_if(out.begin(), out.end(),
                     [&](agent_id j) { return !exp.online->online(j, now); }),
      out.end());
  }
  if (fanout > 0 && fanout < out.size()) {
    std::shuffle(out.begin(), out.end(), s.channel_gen);
    out.resize(fanout);
  }
  auto bytes = wire_bytes(s.latest);
  auto msg = caf::make_message(exchange{s.id, k, s.latest, now_seconds(self)});
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  for (auto j : out) {
    ++s.stats.messages_sent;
    s.stats.bytes_sent += bytes;
    // A lost delivery still used the links: the transfer runs, nothing lands.
    bool lost =
      unit(s.channel_gen) < delivery_loss(schedule_of(self), exp.comm, s.id, j);
    transfer_request r{s.id, j, s.transfers++, bytes, 1, {}, msg};
    if (!lost)
      r.deliver.push_back(j);
    send_transfer(self, *s.env, *s.directory, std::move(r));
  }
}

/// Churn. Offline, whatever was buffered is lost with the connection. A
/// periodic clock stops while offline and restarts on return (the reference
/// cancels and restarts its round task); a Poisson clock keeps its own
/// stream going.
void set_online(self_ptr self, bool up) {
  auto& s = self->state;
  s.online = up;
  if (up) {
    join_network(self, *s.env, s.id);
  } else {
    s.buffer->drain(now_seconds(self));
    leave_network(self, *s.env, s.id);
  }
  if (schedule_of(self).sends != send_clock::periodic)
    return;
  ++s.clock_epoch;
  if (up)
    schedule_tick(self);
}

/// A model arrived: filed in the buffer; an agent that trains on receipt is
/// woken (an agent already training drains it when it is done).
void receive(self_ptr self, const exchange& e) {
  auto& s = self->state;
  if (!s.online)
    return; // lost, as on a real network
  auto v = s.buffer->offer(e.from, e.sent_at, now_seconds(self), e.msg);
  bool filed = v == arrival_buffer::verdict::accepted ||
               v == arrival_buffer::verdict::replaced;
  if (filed && schedule_of(self).computes == compute_start::on_receipt)
    self->send(s.trainer, fetch_atom::value);
}

} // namespace

caf::behavior
async_mailer(caf::stateful_actor<async_mailer_state>* self, const run_env* env,
             agent_id id,
             std::shared_ptr<const std::vector<caf::actor>> directory) {
  auto& s = self->state;
  s.env = env;
  s.id = id;
  s.directory = std::move(directory);
  auto& sched = env->exp->asynchronous()->schedule;
  s.buffer.emplace(sched.psi, sched.tau_max);
  s.clock_gen.seed(derive_seed(env->exp->cfg.seed, stream::comm_clock, id));
  s.channel_gen.seed(derive_seed(env->exp->cfg.seed, stream::channel, id));
  return {
    // The trainer's newest model; the first one starts the send clock (first
    // send after one gap, like every later one).
    [=](snapshot_atom, const payload& p) {
      auto& s = self->state;
      s.latest = p;
      if (!s.started) {
        s.started = true;
        s.trainer = caf::actor_cast<caf::actor>(self->current_sender());
        schedule_tick(self);
      }
    },
    // A tick of the send clock.
    [=](broadcast_atom, std::uint64_t epoch) {
      if (epoch != self->state.clock_epoch)
        return; // the clock was restarted since
      broadcast(self);
      schedule_tick(self);
    },
    // The trainer just finished a compute cycle (send_clock::after_compute).
    [=](broadcast_atom) { broadcast(self); },
    [=](const exchange& e) { receive(self, e); },
    // Counted here, not on arrival: a buffered model that a newer one from
    // the same sender replaces, or that goes stale, is never mixed.
    [=](drain_atom) {
      auto& s = self->state;
      auto in = s.buffer->drain(now_seconds(self));
      s.stats.messages_delivered += in.size();
      return in;
    },
    [=](stats_atom) { return self->state.stats; },
    // A transfer of ours was cut short (we or its receiver went offline):
    // only the bytes that left count as sent.
    [=](refund_atom, std::uint64_t unsent) {
      self->state.stats.bytes_sent -= unsent;
    },
    [=](churn_atom, bool up) { set_online(self, up); },
    // Our trainer is gone: stop broadcasting, and our transfers in flight
    // stop. Neighbours need no notice, they simply stop hearing from us.
    [=](depart_atom, round_t) {
      leave_network(self, *self->state.env, self->state.id);
      self->quit();
    },
  };
}

} // namespace murmur
