#include "actors/mailer.hpp"

#include "actors/messages.hpp"
#include "actors/network.hpp"
#include "core/algorithms/transfers.hpp"

#include <algorithm>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<mailer_state>*;

std::size_t slot_of(const std::vector<agent_id>& in, agent_id from) {
  return static_cast<std::size_t>(std::lower_bound(in.begin(), in.end(), from) -
                                  in.begin());
}

/// Marks a departed neighbour's message as lost in round k, if it is one of
/// the rounds that neighbour never sent.
void mark_lost(pending_round& p, const std::vector<agent_id>& in, agent_id from,
               round_t sent, round_t k) {
  auto pos = slot_of(in, from);
  if (k < sent || pos >= in.size() || in[pos] != from)
    return;
  auto& slot = p.slots[pos];
  if (slot.msg.data || slot.from == from)
    return;
  slot.from = from; // heard from: lost
  ++p.filled;
}

pending_round& pending(self_ptr self, round_t k) {
  auto& s = self->state;
  auto i = s.rounds.find(k);
  if (i == s.rounds.end()) {
    i = s.rounds.emplace(k, pending_round{}).first;
    auto& in = *s.env->exp->hood(s.id, k).in;
    i->second.slots.resize(in.size());
    for (std::size_t pos = 0; pos < in.size(); ++pos) {
      auto& slot = i->second.slots[pos];
      slot.from = static_cast<agent_id>(-1);
      // Lost on the way (network.message_loss): known here without a
      // message, so the round never waits for it.
      if (s.env->exp->message_lost(in[pos], s.id, k)) {
        slot.from = in[pos];
        ++i->second.filled;
      }
    }
    for (auto& [from, sent] : s.departed)
      mark_lost(i->second, in, from, sent, k);
  }
  return i->second;
}

void try_deliver(self_ptr self, round_t k) {
  auto& s = self->state;
  auto& p = pending(self, k);
  if (!p.published || p.filled < p.slots.size())
    return;
  self->send(s.trainer, inbox_atom::value, k, std::move(p.slots));
  s.rounds.erase(k);
}

/// Hands each of the round's transfers to the network; each delivers the
/// messages it carries when it is over.
void send_out(self_ptr self, round_t k, const outbox& box) {
  auto& s = self->state;
  auto hood = s.env->exp->hood(s.id, k);
  auto& out = *hood.out;
  caf::message shared; // a broadcast's one message, never copied
  if (!box.per_neighbour)
    shared = caf::make_message(exchange{s.id, k, box.items.front()});
  for (auto& t : planned_transfers(box, hood)) {
    transfer_request r{s.id, t.to, s.transfers++, t.bytes, t.hops, {}, shared};
    // A lost message still rides its transfer (the bytes cost the links),
    // but lands nowhere.
    for (auto pos : t.carries)
      if (!s.env->exp->message_lost(s.id, out[pos], k))
        r.deliver.push_back(out[pos]);
    if (box.per_neighbour && !t.carries.empty())
      r.msg = caf::make_message(exchange{s.id, k, box.items[t.carries[0]]});
    send_transfer(self, *s.env, *s.directory, std::move(r));
  }
}

/// Tells every agent that might wait for us which rounds we did send.
void announce_departure(self_ptr self, round_t sent) {
  auto& s = self->state;
  auto& phases = s.env->exp->comm.phases;
  std::vector<agent_id> told;
  for (auto& g : phases)
    told.insert(told.end(), g.out[s.id].begin(), g.out[s.id].end());
  std::sort(told.begin(), told.end());
  told.erase(std::unique(told.begin(), told.end()), told.end());
  for (auto j : told)
    self->send((*s.directory)[j], depart_atom::value, s.id, sent);
}

} // namespace

caf::behavior mailer(caf::stateful_actor<mailer_state>* self,
                     const run_env* env, agent_id id,
                     std::shared_ptr<const std::vector<caf::actor>> directory) {
  auto& s = self->state;
  s.env = env;
  s.id = id;
  s.directory = std::move(directory);
  return {
    [=](publish_atom, round_t k, const outbox& box) {
      auto& s = self->state;
      if (!s.trainer)
        s.trainer = caf::actor_cast<caf::actor>(self->current_sender());
      send_out(self, k, box);
      pending(self, k).published = true;
      try_deliver(self, k);
    },
    [=](const exchange& e) {
      auto& s = self->state;
      auto& in = *s.env->exp->hood(s.id, e.round).in;
      auto& p = pending(self, e.round);
      auto& slot = p.slots[slot_of(in, e.from)];
      if (slot.msg.data || slot.from == e.from) // duplicate: keep the first
        return;
      slot = received{e.from, e.msg};
      ++p.filled;
      try_deliver(self, e.round);
    },
    // Our own trainer is gone: say which rounds it sent, then stop.
    [=](depart_atom, round_t sent) {
      announce_departure(self, sent);
      self->quit();
    },
    // A neighbour is gone: its later rounds will never come.
    [=](depart_atom, agent_id from, round_t sent) {
      auto& s = self->state;
      s.departed[from] = sent;
      std::vector<round_t> ready;
      for (auto& [k, p] : s.rounds) {
        mark_lost(p, *s.env->exp->hood(s.id, k).in, from, sent, k);
        ready.push_back(k);
      }
      for (auto k : ready)
        if (s.rounds.count(k))
          try_deliver(self, k);
    },
  };
}

} // namespace murmur
