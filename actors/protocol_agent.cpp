#include "actors/protocol_agent.hpp"

#include "actors/messages.hpp"
#include "actors/network.hpp"

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<protocol_agent_state>*;

double now_seconds(self_ptr self) {
  return self->state.env->seconds(self->clock().now());
}

void apply(self_ptr self, protocol::effects& fx);

void send(self_ptr self, protocol::effects::send& out) {
  auto& s = self->state;
  if (out.to == s.id()) {
    self->send(self, std::move(out.msg)); // delivered locally, for free
    return;
  }
  auto bytes = protocol::wire_bytes(out.msg);
  s.bytes += bytes;
  // The protocol's server (FL's) sends without bandwidth limits: its
  // transfers pay the link's latency only.
  bool server = s.env->exp->protocol()->server == s.id();
  transfer_request r{s.id(),
                     out.to,
                     s.transfers++,
                     server ? 0 : bytes,
                     1,
                     {out.to},
                     caf::make_message(std::move(out.msg))};
  send_transfer(self, *s.env, *s.directory, std::move(r));
}

/// Going offline stops the transfers we send or receive, before the node's
/// goodbyes (sent as it leaves) go out.
void go_offline(self_ptr self) {
  auto& s = self->state;
  if (s.node->online())
    leave_network(self, *s.env, s.id());
}

/// Drops the training in flight; only the compute it really used counts.
void cancel_training(self_ptr self) {
  auto& s = self->state;
  if (s.training == 0)
    return;
  s.busy -= std::max(0.0, s.train_end - now_seconds(self));
  s.training = 0;
}

void train(self_ptr self, round_t k, const blob& model) {
  auto& s = self->state;
  auto& exp = *s.env->exp;
  s.join(); // a cancelled training's task may still hold the model
  auto& ctx = s.slot->ctx;
  ctx.set_model(model);
  // A fresh optimizer each round: momentum never crosses rounds.
  ctx.reset_optimizer();
  auto steps = exp.protocol()->local_steps;
  auto* c = &ctx;
  s.launch([c, steps] {
    for (std::size_t i = 0; i < steps; ++i)
      c->local_step();
  });
  auto d =
    s.charge(static_cast<double>(steps) * exp.cost->step_seconds(s.id()));
  s.training = ++s.trainings;
  s.train_end = now_seconds(self) + d;
  self->delayed_send(self, to_timespan(s.remaining(d)), compute_atom::value, k,
                     s.training);
}

void trained(self_ptr self, round_t k, std::uint64_t token) {
  auto& s = self->state;
  if (token != s.training)
    return; // cancelled: the partial model is discarded, never sent
  s.training = 0;
  s.join();
  auto [mean, n] = s.slot->ctx.take_loss();
  s.loss_sum += mean * static_cast<double>(n);
  s.loss_steps += n;
  s.steps = s.slot->ctx.steps();
  protocol::effects fx;
  s.node->trained(k, s.slot->ctx.shared_model(), fx);
  apply(self, fx);
}

void apply(self_ptr self, protocol::effects& fx) {
  auto& s = self->state;
  if (fx.cancel)
    cancel_training(self);
  for (auto& out : fx.sends)
    send(self, out);
  for (auto& t : fx.timers)
    self->delayed_send(self, to_timespan(t.delay), t);
  if (fx.train)
    train(self, fx.train->first, fx.train->second);
  for (auto& [k, model] : fx.aggregated)
    self->send(s.observer, lineage_atom::value, k, payload{model});
}

void report_tick(self_ptr self) {
  auto& s = self->state;
  agent_report r;
  r.train_loss =
    s.loss_steps ? s.loss_sum / static_cast<double>(s.loss_steps) : 0.0;
  r.steps = s.steps;
  s.loss_sum = 0;
  s.loss_steps = 0;
  r.bytes_sent = s.bytes;
  // Compute already charged but not yet done counts once it is done.
  r.busy_seconds =
    s.busy - (s.training ? std::max(0.0, s.train_end - now_seconds(self)) : 0);
  r.online = s.node->online();
  self->send(s.observer, report_atom::value, report{s.id(), s.reported++, r});
}

} // namespace

caf::behavior
protocol_agent(caf::stateful_actor<protocol_agent_state>* self,
               const run_env* env, agent_id id,
               std::shared_ptr<const std::vector<caf::actor>> directory,
               caf::actor observer) {
  auto& s = self->state;
  s.init(env, {make_context(*env->exp, id), nullptr}, caf::actor{},
         std::move(observer));
  s.directory = std::move(directory);
  auto& exp = *env->exp;
  s.node = exp.protocol()->make(id, exp.population);
  auto every = to_timespan(exp.cfg.run.eval_seconds);
  return {
    [=](start_atom) {
      auto& s = self->state;
      s.schedule_churn(self);
      report_tick(self);
      self->delayed_send(self, every, eval_atom::value);
      protocol::effects fx;
      s.node->start(s.env->exp->initial, fx);
      apply(self, fx);
    },
    [=](const protocol::message& m) {
      protocol::effects fx;
      self->state.node->receive(m, fx); // lost while offline
      apply(self, fx);
    },
    [=](const protocol::timer& t) {
      protocol::effects fx;
      self->state.node->expire(t, fx);
      apply(self, fx);
    },
    [=](compute_atom, round_t k, std::uint64_t token) {
      trained(self, k, token);
    },
    [=](churn_atom, bool up) {
      protocol::effects fx;
      if (self->state.pace->killed())
        return;
      if (up) {
        join_network(self, *self->state.env, self->state.id());
        self->state.node->join(fx);
      } else {
        go_offline(self);
        self->state.node->leave(fx);
      }
      apply(self, fx);
    },
    // A transfer of ours was cut short (we or its receiver went offline):
    // only the bytes that left count as sent.
    [=](refund_atom, std::uint64_t unsent) { self->state.bytes -= unsent; },
    [=](eval_atom) {
      report_tick(self);
      self->delayed_send(self, every, eval_atom::value);
    },
    // Live or scripted commands: slow/delay/pause act through the pace on
    // training; kill takes the agent offline for good.
    [=](inject_atom, const command& c) {
      auto& s = self->state;
      s.pace->apply(c);
      if (s.pace->killed()) {
        protocol::effects fx;
        go_offline(self);
        s.node->leave(fx);
        apply(self, fx);
      }
    },
    [=](status_atom) {
      auto& s = self->state;
      return s.status(s.node->round(), s.slot->ctx.steps(),
                      !s.node->online() ? agent_activity::offline
                      : s.training != 0 ? agent_activity::computing
                                        : agent_activity::waiting,
                      s.node->current_role());
    },
  };
}

} // namespace murmur
