#include "actors/observer.hpp"

#include "actors/messages.hpp"

namespace murmur {

caf::behavior observer(caf::stateful_actor<observer_state>* self,
                       experiment* exp, metrics_sink* sink,
                       caf::actor launcher) {
  auto& s = self->state;
  s.exp = exp;
  s.sink = sink;
  s.launcher = std::move(launcher);
  s.started = std::chrono::steady_clock::now();
  return {
    [=](report_atom, const report& r) {
      auto& s = self->state;
      if (s.finished)
        return;
      auto& p = s.rounds[r.round];
      if (p.reports.empty())
        p.reports.resize(s.exp->agents());
      p.reports[r.from] = r.data;
      if (++p.count < s.exp->agents())
        return;
      auto row = evaluate_round(*s.exp, r.round, p.reports);
      s.rounds.erase(r.round);
      row.wall_seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - s.started)
                           .count();
      bool go_on = s.sink->on_row(row);
      if (!go_on || row.round >= s.exp->cfg.run.rounds) {
        s.finished = true;
        self->send(s.launcher, done_atom::value, row.round);
      }
    },
  };
}

} // namespace murmur
