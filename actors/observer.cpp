#include "actors/observer.hpp"

#include "actors/messages.hpp"

#include <algorithm>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<observer_state>*;

std::size_t expected(self_ptr self, round_t r) {
  auto& s = self->state;
  std::size_t gone = 0;
  for (auto& [id, last] : s.departed)
    gone += last < r;
  return s.env->exp->agents() - gone;
}

void finish(self_ptr self, const run_outcome& end) {
  auto& s = self->state;
  s.finished = true;
  s.env->finish(self->clock().now(), s.latest, end);
}

/// Evaluates every complete round, oldest first (rounds complete in order).
void evaluate_ready(self_ptr self) {
  auto& s = self->state;
  while (!s.finished && !s.rounds.empty()) {
    auto it = s.rounds.begin();
    auto r = it->first;
    if (it->second.count < expected(self, r))
      return;
    auto row = evaluate_round(*s.env->exp, r, it->second.reports);
    s.rounds.erase(it);
    row.time_seconds = s.env->seconds(self->clock().now());
    s.evaluated = r;
    s.env->ledger->fill_row(s.env->seconds(self->clock().now()), row);
    s.env->sink->on_row(row);
    if (auto end = stop_after(*s.env->exp, row))
      finish(self, *end);
  }
}

} // namespace

caf::behavior observer(caf::stateful_actor<observer_state>* self,
                       const run_env* env) {
  auto& s = self->state;
  s.env = env;
  s.latest.resize(env->exp->agents());
  return {
    [=](report_atom, const report& r) {
      auto& s = self->state;
      if (s.finished)
        return;
      auto& p = s.rounds[r.round];
      if (p.reports.empty())
        p.reports.resize(s.env->exp->agents());
      p.reports[r.from] = r.data;
      s.latest[r.from] = r.data;
      s.reported[r.from] = std::max(s.reported[r.from], r.round);
      ++p.count;
      evaluate_ready(self);
    },
    [=](depart_atom, agent_id id, round_t completed) {
      auto& s = self->state;
      s.departed[id] = completed;
      evaluate_ready(self);
    },
    // The run is stopped from outside (a lost host under hosts.on_loss =
    // stop): end it with what was evaluated so far.
    [=](done_atom, const std::string& why) {
      auto& s = self->state;
      if (!s.finished)
        finish(self, {stop_reason::lost_host, s.evaluated, why});
    },
    // An agent lost with its host (actors/remote): it completed what it
    // reported, and nothing after.
    [=](lost_atom, agent_id id) {
      auto& s = self->state;
      s.departed[id] = s.reported[id];
      evaluate_ready(self);
    },
  };
}

} // namespace murmur
