#include "actors/trainer.hpp"

#include "actors/messages.hpp"
#include "core/algorithms/transfers.hpp"

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<trainer_state>*;

double now_seconds(self_ptr self) {
  return self->state.env->seconds(self->clock().now());
}

/// Starts the current round; `unmixed` is the previous round's inbox when
/// its combine is to run first, inside this round's compute task.
void begin_round(self_ptr self, std::optional<inbox> unmixed = std::nullopt);

void send_report(self_ptr self) {
  auto& s = self->state;
  auto& ctx = s.slot->ctx;
  agent_report r{ctx.shared_model(),
                 ctx.take_loss().first,
                 s.bytes_sent,
                 ctx.steps(),
                 s.busy,
                 s.idle,
                 s.messages_sent,
                 s.messages_delivered};
  self->send(s.observer, report_atom::value, report{ctx.id(), s.round, r});
}

void publish(self_ptr self, round_t k, const neighbourhood& hood) {
  auto& s = self->state;
  auto& [ctx, algo] = *s.slot;
  auto box = algo->publish(ctx, k, hood);
  s.bytes_sent += transfer_bytes(planned_transfers(box, hood));
  s.messages_sent += hood.out->size();
  self->send(s.mailer, publish_atom::value, k, std::move(box));
  s.published = k + 1;
}

void maybe_combine(self_ptr self) {
  auto& s = self->state;
  if (!s.computed || !s.arrived)
    return;
  auto& [ctx, algo] = *s.slot;
  auto& exp = *s.env->exp;
  auto k = s.round;
  for (auto& r : *s.arrived)
    s.messages_delivered += r.msg.data != nullptr;
  inbox in = std::move(*s.arrived);
  s.arrived.reset();
  s.idle += now_seconds(self) - s.round_start - s.round_compute;
  s.round = k + 1;
  bool more = s.round < exp.cfg.run.rounds;
  bool report = exp.is_eval_round(s.round);
  // Mixing reads every neighbour's model, cold in cache by now: folded into
  // the next round's compute task, it runs in parallel with other agents'
  // work instead of on the virtual clock's single event thread. A report or
  // a pause needs the mixed model at once.
  if (more && !report && !s.pace->paused() &&
      algo->compute_phase() == algorithm::phase::before_send) {
    begin_round(self, std::move(in));
    return;
  }
  algo->combine(ctx, k, exp.hood(ctx.id(), k), in);
  if (report)
    send_report(self);
  if (more)
    begin_round(self);
}

void computed(self_ptr self, round_t k) {
  auto& s = self->state;
  if (k != s.round || s.computed)
    return;
  s.join();
  auto& [ctx, algo] = *s.slot;
  if (algo->compute_phase() == algorithm::phase::before_send) {
    auto hood = s.env->exp->hood(ctx.id(), k);
    publish(self, k, hood);
    algo->while_waiting(ctx, k, hood);
  }
  s.computed = true;
  maybe_combine(self);
}

/// Charges the round's compute on the clock: the completion event comes
/// after its duration (real clock: minus what the work really took).
void schedule_computed(self_ptr self, round_t k, double planned,
                       double modelled) {
  auto& s = self->state;
  s.round_compute = s.charge(planned, modelled);
  double wait = s.remaining(s.round_compute);
  if (!s.env->virtual_time && wait <= 0)
    computed(self, k);
  else
    self->delayed_send(self, to_timespan(wait), compute_atom::value, k);
}

void begin_round(self_ptr self, std::optional<inbox> unmixed) {
  auto& s = self->state;
  if (s.pace->paused()) {
    s.stalled = true;
    return;
  }
  auto& [ctx, algo] = *s.slot;
  auto& exp = *s.env->exp;
  auto k = s.round;
  auto hood = exp.hood(ctx.id(), k);
  s.round_start = now_seconds(self);
  s.computed = false;
  // Drawn before the work starts: a step that misses the algorithm's
  // deadline is skipped, not computed and thrown away.
  double modelled =
    algo->gradients_in_round(k) * exp.cost->step_seconds(ctx.id());
  double planned = plan_round_compute(*algo, *s.pace, modelled, k);
  auto* c = &ctx;
  auto* a = algo.get();
  if (unmixed) {
    auto last = exp.hood(ctx.id(), k - 1);
    s.launch([c, a, k, hood, last, in = std::move(*unmixed)] {
      a->combine(*c, k - 1, last, in);
      a->before_send(*c, k, hood);
    });
  } else if (algo->compute_phase() == algorithm::phase::before_send) {
    s.launch([c, a, k, hood] { a->before_send(*c, k, hood); });
  } else {
    algo->before_send(ctx, k, hood);
    publish(self, k, hood);
    s.launch([c, a, k, hood] { a->while_waiting(*c, k, hood); });
  }
  schedule_computed(self, k, planned, modelled);
}

void depart(self_ptr self) {
  auto& s = self->state;
  s.join();
  self->send(s.mailer, depart_atom::value, s.published);
  self->send(s.observer, depart_atom::value, s.slot->ctx.id(), s.round);
  self->quit();
}

} // namespace

caf::behavior trainer(caf::stateful_actor<trainer_state>* self,
                      const run_env* env, agent_id id, caf::actor mailer,
                      caf::actor observer) {
  auto& s = self->state;
  s.init(env, make_agent(*env->exp, id), std::move(mailer),
         std::move(observer));
  return {
    [=](start_atom) {
      send_report(self);
      begin_round(self);
    },
    [=](compute_atom, round_t k) { computed(self, k); },
    [=](inbox_atom, round_t k, inbox& in) {
      auto& s = self->state;
      if (k != s.round)
        return;
      s.arrived = std::move(in);
      maybe_combine(self);
    },
    [=](inject_atom, const command& c) {
      auto& s = self->state;
      s.pace->apply(c);
      if (s.pace->killed())
        depart(self);
      else if (s.stalled && !s.pace->paused()) {
        s.stalled = false;
        begin_round(self);
      }
    },
    [=](status_atom) {
      auto& s = self->state;
      // Between begin_round and its completion event the step is under
      // way; after it, the agent waits for its neighbours (or, stalled, for
      // a resume).
      bool computing = !s.computed && !s.stalled;
      return s.status(s.round, s.slot->ctx.steps(),
                      computing ? agent_activity::computing
                                : agent_activity::waiting);
    },
  };
}

} // namespace murmur
