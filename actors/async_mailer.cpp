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

void schedule_broadcast(self_ptr self) {
  auto& s = self->state;
  std::exponential_distribution<double> gap{schedule_of(self).comm_rate};
  self->delayed_send(self, to_timespan(gap(s.clock_gen)),
                     broadcast_atom::value);
}

/// One event of the communication clock: the latest snapshot to everyone in
/// range, each delivery lost independently.
void broadcast(self_ptr self) {
  auto& s = self->state;
  if (!s.online) {
    // Offline agents send nothing; the clock keeps its own stream.
    ++s.broadcasts;
    schedule_broadcast(self);
    return;
  }
  auto& exp = *s.env->exp;
  auto k = s.broadcasts++;
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
  schedule_broadcast(self);
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
    // The trainer's newest model; the first one starts the clock (first
    // broadcast after one Exp(comm_rate) gap, like every later one).
    [=](snapshot_atom, const payload& p) {
      auto& s = self->state;
      s.latest = p;
      if (!s.started) {
        s.started = true;
        schedule_broadcast(self);
      }
    },
    [=](broadcast_atom) { broadcast(self); },
    [=](const exchange& e) {
      auto& s = self->state;
      if (!s.online)
        return; // lost, as on a real network
      s.buffer->offer(e.from, e.sent_at, now_seconds(self), e.msg);
    },
    // Counted here, not on arrival: a buffered model that a newer one from
    // the same sender replaces, or that goes stale, is never mixed.
    [=](drain_atom) {
      auto& s = self->state;
      auto in = s.buffer->drain(now_seconds(self));
      s.stats.messages_delivered += in.size();
      return in;
    },
    [=](stats_atom) { return self->state.stats; },
    // Churn: offline, whatever was buffered is lost with the connection.
    [=](churn_atom, bool up) {
      auto& s = self->state;
      s.online = up;
      if (!up)
        s.buffer->drain(now_seconds(self));
    },
    // Our trainer is gone: stop broadcasting. Neighbours need no notice,
    // they simply stop hearing from us.
    [=](depart_atom, round_t) { self->quit(); },
  };
}

} // namespace murmur
