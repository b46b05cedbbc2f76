#include "actors/async_trainer.hpp"

#include "actors/messages.hpp"

#include <algorithm>
#include <random>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<async_trainer_state>*;

void begin_cycle(self_ptr self);

/// The last published snapshot and the mailer's counters, as evaluation
/// tick `j`. Awaited, so an injection cannot slip in between.
void send_report(self_ptr self, round_t j) {
  auto& s = self->state;
  s.reported = j;
  agent_report r;
  r.model = s.offline ? nullptr : s.snapshot;
  r.online = !s.offline;
  r.train_loss =
    s.loss_steps ? s.loss_sum / static_cast<double>(s.loss_steps) : 0.0;
  r.steps = s.steps;
  r.busy_seconds = s.busy;
  s.loss_sum = 0;
  s.loss_steps = 0;
  self->request(s.mailer, caf::infinite, stats_atom::value)
    .await([=](const comm_stats& st) mutable {
      auto& s = self->state;
      r.bytes_sent = st.bytes_sent;
      r.messages_sent = st.messages_sent;
      r.messages_delivered = st.messages_delivered;
      self->send(s.observer, report_atom::value,
                 report{s.slot->ctx.id(), j, r});
    });
}

void publish(self_ptr self) {
  auto& s = self->state;
  auto& [ctx, algo] = *s.slot;
  auto k = s.cycle;
  auto box = algo->publish(ctx, k, s.env->exp->hood(ctx.id(), k));
  s.snapshot = box.items.front().data;
  self->send(s.mailer, snapshot_atom::value, box.items.front());
}

/// Seconds of one compute cycle: one Exp(compute_rate) draw per local step
/// at speed 1 (more local steps take longer, not free), times the
/// agent's cost-model speed ratio, charged through agent_core::charge (real
/// clock: at least what the work took; pace: slow, delay, outages). With a
/// schedule period the cycle is the training alone: its local steps'
/// modelled compute (the next round starts on its own clock, next_cycle).
double cycle_seconds(self_ptr self) {
  auto& s = self->state;
  auto& exp = *s.env->exp;
  auto& sched = *s.schedule;
  auto id = s.slot->ctx.id();
  if (sched.period > 0) {
    s.charged_last = s.charge(static_cast<double>(sched.local_steps) *
                              exp.cost->step_seconds(id));
    return s.charged_last;
  }
  std::exponential_distribution<double> draw{sched.compute_rate};
  double base = 0;
  for (std::uint64_t j = 0; j < sched.local_steps; ++j)
    base += draw(s.clock_gen);
  if (exp.cfg.cost.step_seconds > 0)
    base *= exp.cost->step_seconds(id) / exp.cfg.cost.step_seconds;
  s.charged_last = s.charge(base);
  return s.charged_last;
}

/// Rounds of a fixed period (compute_start::back_to_back) begin `period`
/// seconds after the previous one began, or at once when its training took
/// longer; any other cycle begins as soon as the previous one ends.
void next_cycle(self_ptr self) {
  auto& s = self->state;
  auto& sched = *s.schedule;
  if (sched.period > 0 && sched.computes == compute_start::back_to_back) {
    double wait =
      s.cycle_start + sched.period - s.env->seconds(self->clock().now());
    if (wait > 0) {
      s.round_pending = true;
      self->delayed_send(self, to_timespan(wait), fetch_atom::value, s.cycle);
      return;
    }
  }
  begin_cycle(self);
}

void computed(self_ptr self, round_t k) {
  auto& s = self->state;
  if (k != s.cycle || !s.running || s.offline)
    return;
  s.join();
  auto& ctx = s.slot->ctx;
  publish(self);
  auto [mean, n] = ctx.take_loss();
  s.loss_sum += mean * static_cast<double>(n);
  s.loss_steps += n;
  s.steps = ctx.steps();
  s.cycle = k + 1;
  s.running = false;
  if (s.schedule->sends == send_clock::after_compute)
    self->send(s.mailer, broadcast_atom::value);
  next_cycle(self);
}

/// Back from offline: takes the first model that arrived as its own (the
/// current model of a peer), or polls again after one broadcast gap.
bool adopt(self_ptr self, inbox& in) {
  auto& s = self->state;
  auto first = std::find_if(in.begin(), in.end(),
                            [](const received& r) { return r.msg.data; });
  if (first == in.end()) {
    s.running = false;
    auto gap = 1 / s.schedule->comm_rate;
    self->delayed_send(self, to_timespan(gap), fetch_atom::value);
    return false;
  }
  s.slot->ctx.set_model(first->msg.data);
  s.rejoining = false;
  in.erase(first);
  return true;
}

/// Churn: offline, the cycle in flight is abandoned and only the compute it
/// used so far counts; online again, the agent fetches a model first.
void set_online(self_ptr self, bool up) {
  auto& s = self->state;
  if (up == !s.offline)
    return;
  s.offline = !up;
  self->send(s.mailer, churn_atom::value, up);
  if (up) {
    s.rejoining = true;
    begin_cycle(self);
    return;
  }
  if (s.running) {
    double now = s.env->seconds(self->clock().now());
    double used = std::max(0.0, now - s.cycle_start);
    s.busy -= std::max(0.0, s.charged_last - used);
    s.running = false;
    ++s.cycle; // the abandoned cycle's completion event is ignored
  }
}

/// Mixes what arrived, starts the local step(s) and charges the cycle.
void run_cycle(self_ptr self, inbox& in) {
  auto& s = self->state;
  if (s.offline) {
    s.running = false;
    return;
  }
  s.join(); // an abandoned cycle's task may still hold the model
  auto& [ctx, algo] = *s.slot;
  auto k = s.cycle;
  if (in.empty() && s.schedule->computes == compute_start::on_receipt) {
    s.running = false; // nothing to merge and train on: wait for the mailer
    return;
  }
  if (s.rejoining && !adopt(self, in))
    return;
  auto hood = s.env->exp->hood(ctx.id(), k);
  algo->combine(ctx, k, hood, in);
  auto* c = &ctx;
  auto* a = algo.get();
  s.launch([c, a, k, hood] { a->before_send(*c, k, hood); });
  s.cycle_compute = cycle_seconds(self);
  s.cycle_start = s.env->seconds(self->clock().now());
  self->delayed_send(self, to_timespan(s.remaining(s.cycle_compute)),
                     compute_atom::value, k);
}

void begin_cycle(self_ptr self) {
  auto& s = self->state;
  if (s.running || s.offline || s.pace->paused() || s.pace->killed())
    return;
  s.running = true;
  self->request(s.mailer, caf::infinite, drain_atom::value)
    .then([=](inbox& in) { run_cycle(self, in); });
}

void depart(self_ptr self) {
  auto& s = self->state;
  s.join();
  self->send(s.mailer, depart_atom::value, s.cycle);
  self->send(s.observer, depart_atom::value, s.slot->ctx.id(), s.reported);
  self->quit();
}

} // namespace

caf::behavior async_trainer(caf::stateful_actor<async_trainer_state>* self,
                            const run_env* env, agent_id id, caf::actor mailer,
                            caf::actor observer) {
  auto& s = self->state;
  s.init(env, make_agent(*env->exp, id), std::move(mailer),
         std::move(observer));
  s.schedule = &env->exp->asynchronous()->schedule;
  s.clock_gen.seed(derive_seed(env->exp->cfg.seed, stream::compute_clock, id));
  auto every = to_timespan(env->exp->cfg.run.eval_seconds);
  return {
    [=](start_atom) {
      auto& s = self->state;
      publish(self);
      s.schedule_churn(self);
      if (!s.env->exp->online->online(s.id(), 0))
        set_online(self, false);
      send_report(self, 0);
      self->delayed_send(self, every, eval_atom::value);
      begin_cycle(self);
    },
    [=](compute_atom, round_t k) { computed(self, k); },
    [=](churn_atom, bool up) { set_online(self, up); },
    [=](fetch_atom) { begin_cycle(self); },
    // The start of round k, unless churn restarted the rounds meanwhile.
    [=](fetch_atom, round_t k) {
      self->state.round_pending = false;
      if (k == self->state.cycle)
        begin_cycle(self);
    },
    [=](eval_atom) {
      send_report(self, self->state.reported + 1);
      self->delayed_send(self, every, eval_atom::value);
    },
    [=](inject_atom, const command& c) {
      auto& s = self->state;
      s.pace->apply(c);
      if (s.pace->killed())
        depart(self);
      else if (!s.round_pending) // e.g. resume; a scheduled round waits
        begin_cycle(self);
    },
    [=](status_atom) {
      auto& s = self->state;
      return s.status(s.reported, s.steps,
                      s.offline   ? agent_activity::offline
                      : s.running ? agent_activity::computing
                                  : agent_activity::waiting);
    },
  };
}

} // namespace murmur
