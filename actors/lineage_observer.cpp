#include "actors/lineage_observer.hpp"

#include "actors/messages.hpp"

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<lineage_observer_state>*;

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
    row.local_steps += r.steps;
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

void finish(self_ptr self, const run_outcome& end) {
  auto& s = self->state;
  s.finished = true;
  s.env->finish(self->clock().now(), s.latest, end);
}

/// Writes every tick all present agents have reported, oldest first.
void write_ready(self_ptr self) {
  auto& s = self->state;
  while (!s.finished && !s.ticks.empty()) {
    auto it = s.ticks.begin();
    if (s.counts[it->first] < s.present)
      return;
    auto reports = std::move(it->second);
    s.counts.erase(it->first);
    s.ticks.erase(it);
    auto row = evaluate_tick(self, reports);
    s.env->ledger->fill_row(s.env->seconds(self->clock().now()), row);
    s.env->sink->on_row(row);
    if (auto end = stop_after(*s.env->exp, row))
      finish(self, *end);
  }
}

void on_report(self_ptr self, const report& r) {
  auto& s = self->state;
  auto& tick = s.ticks[r.round];
  if (tick.empty())
    tick.resize(s.env->exp->agents());
  tick[r.from] = r.data;
  s.latest[r.from] = r.data;
  ++s.counts[r.round];
  write_ready(self);
}

} // namespace

caf::behavior
lineage_observer(caf::stateful_actor<lineage_observer_state>* self,
                 const run_env* env) {
  auto& s = self->state;
  s.env = env;
  s.model = env->exp->initial;
  s.steps.assign(env->exp->agents(), 0);
  s.lost.assign(env->exp->agents(), false);
  s.latest.resize(env->exp->agents());
  s.present = env->exp->agents();
  return {
    [=](report_atom, const report& r) {
      if (!self->state.finished)
        on_report(self, r);
    },
    // Across hosts: a lost host's agents report no more ticks.
    [=](lost_atom, agent_id id) {
      auto& s = self->state;
      if (s.lost[id])
        return;
      s.lost[id] = true;
      --s.present;
      write_ready(self);
    },
    [=](done_atom, const std::string& why) {
      auto& s = self->state;
      if (!s.finished)
        finish(self, {stop_reason::lost_host, s.newest, why});
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
