#include "actors/plexus_observer.hpp"

#include "actors/messages.hpp"

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<plexus_observer_state>*;

metrics_row evaluate_tick(self_ptr self,
                          const std::vector<agent_report>& reports) {
  auto& s = self->state;
  metrics_row row;
  row.round = s.newest;
  row.time_seconds = s.env->seconds(self->clock().now());
  // Each agent's mean loss weighs by the steps it took since the last row.
  std::uint64_t steps = 0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    auto& r = reports[i];
    row.bytes_sent += r.bytes_sent;
    row.compute_seconds += r.busy_seconds;
    row.online_agents += r.online;
    auto taken = r.steps - s.steps[i];
    s.steps[i] = r.steps;
    row.train_loss += r.train_loss * static_cast<double>(taken);
    steps += taken;
  }
  if (steps > 0)
    row.train_loss /= static_cast<double>(steps);
  auto& exp = *s.env->exp;
  auto& x = *s.model;
  auto result = exp.net->evaluate({x.data(), x.size()}, whole(exp.test));
  row.test_accuracy = result.accuracy;
  row.test_loss = result.loss;
  // Every agent that trains starts from this model: it is also the agents'.
  row.mean_agent_accuracy = row.min_agent_accuracy = result.accuracy;
  return row;
}

void on_report(self_ptr self, const report& r) {
  auto& s = self->state;
  auto& tick = s.ticks[r.round];
  if (tick.empty())
    tick.resize(s.env->exp->agents());
  tick[r.from] = r.data;
  if (++s.counts[r.round] < tick.size())
    return;
  auto reports = std::move(tick);
  s.ticks.erase(r.round);
  s.counts.erase(r.round);
  if (!s.env->sink->on_row(evaluate_tick(self, reports))) {
    s.finished = true;
    s.env->sink->on_agents(reports);
    s.env->on_done(r.round);
  }
}

} // namespace

caf::behavior plexus_observer(caf::stateful_actor<plexus_observer_state>* self,
                              const run_env* env) {
  auto& s = self->state;
  s.env = env;
  s.model = std::make_shared<vec>(env->exp->initial);
  s.steps.assign(env->exp->agents(), 0);
  return {
    [=](report_atom, const report& r) {
      if (!self->state.finished)
        on_report(self, r);
    },
    [=](lineage_atom, round_t k, const payload& p) {
      auto& s = self->state;
      if (k > s.newest) {
        s.newest = k;
        s.model = p.data;
      }
    },
  };
}

} // namespace murmur
