#include "actors/observer.hpp"

#include "actors/messages.hpp"

#include <algorithm>
#include <memory>

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

void evaluate_ready(self_ptr self);

/// The end of every evaluated round: timed, handed to the sink, and the
/// run's stop rule applied.
void hand_over(self_ptr self, round_t r, metrics_row row) {
  auto& s = self->state;
  auto now = s.env->seconds(self->clock().now());
  row.time_seconds = now;
  s.evaluated = r;
  s.handed_any = true;
  s.env->ledger->fill_row(now, row);
  s.env->sink->on_row(row);
  if (auto end = stop_after(*s.env->exp, row))
    finish(self, *end);
}

/// The round whose models the holders are being asked about.
pending_eval& asked(self_ptr self) {
  return self->state.rounds.at(self->state.asked);
}

/// Takes a holder out of a round: its agents count as without a model
/// there (logged).
void forget_holder(self_ptr self, round_t r, const caf::actor& holder,
                   const std::string& why) {
  auto& s = self->state;
  auto& p = s.rounds.at(r);
  auto entry = p.holders.find(holder);
  if (entry == p.holders.end())
    return;
  std::string ids;
  for (auto id : entry->second) {
    p.reports[id].model_on_node = false;
    ids += (ids.empty() ? "" : ",") + std::to_string(id);
  }
  p.holders.erase(entry);
  s.env->sink->on_event(s.env->seconds(self->clock().now()), "hosts",
                        "round " + std::to_string(r) +
                          " evaluated without the models of agents " + ids +
                          " (" + why + ")",
                        "dropped");
}

/// Drops a holder from the round being asked (it did not answer, answered
/// nonsense, or its node was lost); the round starts over with the others,
/// which kept its models and summaries (actors/model_holder.hpp).
void drop_holder(self_ptr self, const caf::actor& holder,
                 const std::string& why) {
  auto& s = self->state;
  forget_holder(self, s.asked, holder, why);
  ++s.attempt;
  s.asking = false;
  evaluate_ready(self);
}

/// Sends one request to every holder of the round being asked; `on_reply`
/// takes each answer with its holder (false: malformed, the holder is
/// dropped), `on_all` runs once all have answered. A node computing its
/// agents' accuracies may take long, so the bound is ten times hosts.wait;
/// a node that is lost meanwhile is dropped as soon as the launcher says so
/// (lost_atom).
template <class Reply, class OnReply, class OnAll, class... Ts>
void ask_holders(self_ptr self, OnReply on_reply, OnAll on_all,
                 const Ts&... request) {
  auto& s = self->state;
  auto attempt = s.attempt;
  auto current = [=] {
    return !self->state.finished && self->state.attempt == attempt;
  };
  auto wait = to_timespan(10 * s.env->exp->cfg.hosts.wait);
  s.waiting = asked(self).holders.size();
  for (auto& entry : asked(self).holders) {
    auto holder = entry.first;
    self->request(holder, wait, request...)
      .then(
        [=](Reply& x) {
          if (!current())
            return;
          if (!on_reply(holder, x))
            return drop_holder(self, holder, "a malformed answer");
          if (--self->state.waiting == 0)
            on_all();
        },
        [=](const caf::error& err) {
          if (current())
            drop_holder(self, holder,
                        "its node did not answer: " +
                          self->system().render(err));
        });
  }
}

void ask_distances(self_ptr self) {
  auto& s = self->state;
  auto r = s.asked;
  auto average = std::make_shared<const vec>(s.parts.average);
  ask_holders<held_distances>(
    self,
    [=](const caf::actor& holder, held_distances& d) {
      return d.ids.size() == asked(self).holders.at(holder).size() &&
             self->state.parts.add_distances(d.ids, d.distances);
    },
    [=] {
      auto& st = self->state;
      auto row = complete_row(*st.env->exp, r, asked(self).reports, st.parts);
      st.rounds.erase(r);
      st.asking = false;
      hand_over(self, r, std::move(row));
      evaluate_ready(self);
    },
    distance_atom::value, r, payload{average, 1});
}

void ask_sums(self_ptr self) {
  auto& s = self->state;
  auto sum =
    std::make_shared<fixed_sum>(s.parts.exponents, s.env->exp->agents());
  std::size_t held = 0;
  for (auto& [holder, ids] : asked(self).holders)
    held += ids.size();
  ask_holders<std::vector<std::int64_t>>(
    self,
    [=](const caf::actor&, std::vector<std::int64_t>& words) {
      if (words.size() != sum->words().size())
        return false;
      sum->add(words);
      return true;
    },
    [=] {
      self->state.parts.average = sum->mean(held);
      ask_distances(self);
    },
    fixsum_atom::value, s.asked, s.parts.exponents);
}

/// The first step of a round whose models are on the nodes.
void ask_summaries(self_ptr self, round_t r) {
  auto& s = self->state;
  s.asking = true;
  s.asked = r;
  s.parts = round_parts{*s.env->exp};
  ask_holders<held_summary>(
    self,
    [=](const caf::actor& holder, held_summary& x) {
      return x.models == asked(self).holders.at(holder).size() &&
             self->state.parts.add(x);
    },
    [=] { ask_sums(self); }, summary_atom::value, r);
}

/// Evaluates every complete round, oldest first (rounds complete in order).
void evaluate_ready(self_ptr self) {
  auto& s = self->state;
  while (!s.finished && !s.asking && !s.rounds.empty()) {
    auto it = s.rounds.begin();
    auto r = it->first;
    if (it->second.count < expected(self, r))
      return;
    if (!it->second.holders.empty())
      return ask_summaries(self, r);
    auto row = evaluate_round(*s.env->exp, r, it->second.reports);
    s.rounds.erase(it);
    hand_over(self, r, std::move(row));
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
      s.latest[r.from] = r.data;
      s.reported[r.from] = std::max(s.reported[r.from], r.round);
      // Late for a round already evaluated without it (the agent was taken
      // for lost): the round is not opened again.
      if (s.handed_any && r.round <= s.evaluated)
        return;
      auto& p = s.rounds[r.round];
      if (p.reports.empty())
        p.reports.resize(s.env->exp->agents());
      p.reports[r.from] = r.data;
      if (r.data.model_on_node)
        p.holders[caf::actor_cast<caf::actor>(self->current_sender())]
          .push_back(r.from);
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
      // Its node's holder is gone too: out of every round waiting for it.
      caf::actor asked_holder;
      for (auto& [r, p] : s.rounds)
        for (auto& [holder, ids] : p.holders)
          if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
            auto gone = holder;
            if (s.asking && r == s.asked)
              asked_holder = gone;
            else
              forget_holder(self, r, gone, "its node was lost");
            break;
          }
      if (asked_holder)
        return drop_holder(self, asked_holder, "its node was lost");
      evaluate_ready(self);
    },
    // A node's direct link to a peer node dropped (actors/remote/node.cpp):
    // if the launcher has not declared the peer lost after its liveness
    // timeout (its agents then show as lost here), the peer lives and the
    // link itself failed, losing messages nothing resends: the run stops
    // rather than wait for them.
    [=](dropped_atom, const std::string& why, std::vector<agent_id>& peers,
        bool checked) {
      auto& s = self->state;
      if (s.finished)
        return;
      if (!checked) {
        auto& h = s.env->exp->cfg.hosts;
        self->delayed_send(self, to_timespan(2 * h.timeout + h.heartbeat),
                           dropped_atom::value, why, std::move(peers), true);
        return;
      }
      for (auto id : peers)
        if (!s.departed.count(id))
          return finish(self, {stop_reason::lost_host, s.evaluated, why});
    },
  };
}

} // namespace murmur
