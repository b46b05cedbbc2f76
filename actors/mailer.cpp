#include "actors/mailer.hpp"

#include "actors/messages.hpp"

#include <algorithm>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<mailer_state>*;

pending_round& pending(self_ptr self, round_t k) {
  auto& s = self->state;
  auto i = s.rounds.find(k);
  if (i == s.rounds.end()) {
    i = s.rounds.emplace(k, pending_round{}).first;
    i->second.slots.resize(s.exp->hood(s.id, k).in->size());
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

void send_out(self_ptr self, round_t k, const outbox& box) {
  auto& s = self->state;
  auto& dir = *s.directory;
  auto& out = *s.exp->hood(s.id, k).out;
  if (!box.per_neighbour) {
    auto msg = caf::make_message(exchange{s.id, k, box.items.front()});
    for (auto j : out)
      self->send(dir[j], msg);
    return;
  }
  for (std::size_t pos = 0; pos < out.size(); ++pos)
    self->send(dir[out[pos]], exchange{s.id, k, box.items[pos]});
}

} // namespace

caf::behavior mailer(caf::stateful_actor<mailer_state>* self, experiment* exp,
                     agent_id id,
                     std::shared_ptr<const std::vector<caf::actor>> directory) {
  auto& s = self->state;
  s.exp = exp;
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
      auto& in = *s.exp->hood(s.id, e.round).in;
      auto pos = std::lower_bound(in.begin(), in.end(), e.from) - in.begin();
      auto& p = pending(self, e.round);
      auto& slot = p.slots[static_cast<std::size_t>(pos)];
      if (slot.msg.data) // a duplicate: keep the first
        return;
      slot = received{e.from, e.msg};
      ++p.filled;
      try_deliver(self, e.round);
    },
  };
}

} // namespace murmur
