#include "actors/trainer.hpp"

#include "actors/messages.hpp"

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<trainer_state>*;

void send_report(self_ptr self) {
  auto& s = self->state;
  auto& ctx = s.slot->ctx;
  self->send(s.observer, report_atom::value,
             report{ctx.id(),
                    s.round,
                    {ctx.shared_model(), ctx.take_loss().first, s.bytes_sent}});
}

void begin_round(self_ptr self) {
  auto& s = self->state;
  auto& [ctx, algo] = *s.slot;
  auto k = s.round;
  auto hood = s.exp->hood(ctx.id(), k);
  algo->before_send(ctx, k, hood);
  auto box = algo->publish(ctx, k, hood);
  for (std::size_t j = 0; j < hood.out->size(); ++j)
    s.bytes_sent += wire_bytes(box.items[box.per_neighbour ? j : 0]);
  self->send(s.mailer, publish_atom::value, k, std::move(box));
  algo->while_waiting(ctx, k, hood);
}

} // namespace

caf::behavior trainer(caf::stateful_actor<trainer_state>* self, experiment* exp,
                      agent_id id, caf::actor mailer, caf::actor observer) {
  auto& s = self->state;
  s.exp = exp;
  s.slot.emplace(make_agent(*exp, id));
  s.mailer = std::move(mailer);
  s.observer = std::move(observer);
  return {
    [=](start_atom) {
      send_report(self);
      begin_round(self);
    },
    [=](inbox_atom, round_t k, const inbox& in) {
      auto& s = self->state;
      auto& [ctx, algo] = *s.slot;
      algo->combine(ctx, k, s.exp->hood(ctx.id(), k), in);
      s.round = k + 1;
      if (s.exp->is_eval_round(s.round))
        send_report(self);
      if (s.round < s.exp->cfg.run.rounds)
        begin_round(self);
    },
  };
}

} // namespace murmur
