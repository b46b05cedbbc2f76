#include "actors/model_holder.hpp"

#include "actors/messages.hpp"

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<model_holder_state>*;

/// The models held for `r`, or an error naming the round.
template <class F>
auto with_round(self_ptr self, round_t r, F f)
  -> caf::result<decltype(f(std::declval<held_models&>()))> {
  auto i = self->state.rounds.find(r);
  if (i == self->state.rounds.end())
    return caf::make_error(caf::sec::invalid_argument,
                           "no models held for round " + std::to_string(r));
  return f(i->second);
}

caf::error wrong_size(const std::string& what) {
  return caf::make_error(caf::sec::invalid_argument,
                         what + ": not one entry per model parameter");
}

} // namespace

caf::behavior model_holder(caf::stateful_actor<model_holder_state>* self,
                           const experiment* exp, caf::actor observer) {
  self->state.exp = exp;
  self->state.observer = std::move(observer);
  return {
    [=](report_atom, report& r) {
      auto& s = self->state;
      if (r.data.model) {
        s.rounds[r.round].add(r.from, std::move(r.data.model));
        r.data.model = nullptr;
        r.data.model_on_node = true;
      }
      self->send(s.observer, report_atom::value, std::move(r));
    },
    [=](depart_atom a, agent_id id, round_t completed) {
      self->send(self->state.observer, a, id, completed);
    },
    [=](summary_atom, round_t r) {
      // Rounds are evaluated in order: every earlier one is done.
      auto& s = self->state;
      s.rounds.erase(s.rounds.begin(), s.rounds.lower_bound(r));
      s.summaries.erase(s.summaries.begin(), s.summaries.lower_bound(r));
      return with_round(self, r, [=](held_models& held) {
        auto& summaries = self->state.summaries;
        auto known = summaries.find(r);
        if (known == summaries.end())
          known = summaries.emplace(r, summarize(*self->state.exp, held)).first;
        return known->second;
      });
    },
    [=](fixsum_atom, round_t r,
        const sum_exponents& all) -> caf::result<std::vector<std::int64_t>> {
      if (all.size() != self->state.exp->num_params())
        return wrong_size("fixsum");
      return with_round(self, r, [&](held_models& held) {
        return partial_sum(*self->state.exp, held, all).words();
      });
    },
    [=](distance_atom, round_t r,
        const payload& average) -> caf::result<held_distances> {
      if (!average.data || static_cast<std::size_t>(average.data->size()) !=
                             self->state.exp->num_params())
        return wrong_size("distance");
      return with_round(self, r, [&](held_models& held) {
        return held_distances{held.ids, squared_distances(held, *average.data)};
      });
    },
  };
}

} // namespace murmur
