#include "core/run/held_models.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace murmur {

held_summary summarize(const experiment& exp, const held_models& held) {
  held_summary out;
  out.models = held.models.size();
  out.exponents.assign(exp.num_params(), 0);
  for (auto& m : held.models)
    raise_exponents(*m, out.exponents);
  auto slots = evaluated_agents(exp.agents(), exp.cfg.eval.max_agents);
  auto test = whole(exp.test);
  for (std::size_t k = 0; k < held.ids.size(); ++k) {
    auto slot = std::lower_bound(slots.begin(), slots.end(), held.ids[k]);
    if (slot == slots.end() || *slot != held.ids[k])
      continue;
    auto& x = *held.models[k];
    out.accuracies.push_back(
      {static_cast<std::uint32_t>(slot - slots.begin()),
       exp.net->evaluate({x.data(), x.size()}, test).accuracy});
  }
  return out;
}

fixed_sum partial_sum(const experiment& exp, const held_models& held,
                      const sum_exponents& all) {
  fixed_sum sum{all, exp.agents()};
  for (auto& m : held.models)
    sum.add(*m);
  return sum;
}

std::vector<float> squared_distances(const held_models& held,
                                     const vec& average) {
  std::vector<float> out;
  out.reserve(held.models.size());
  for (auto& m : held.models)
    out.push_back((*m - average).squaredNorm());
  return out;
}

round_parts::round_parts(const experiment& exp)
  : exponents(exp.num_params(), 0),
    accuracy(evaluated_agents(exp.agents(), exp.cfg.eval.max_agents).size(),
             std::nan("")),
    distance(exp.agents(), 0) {}

bool round_parts::add(const held_summary& summary) {
  if (summary.exponents.size() != exponents.size())
    return false;
  for (auto& a : summary.accuracies)
    if (a.slot >= accuracy.size())
      return false;
  raise_exponents(summary.exponents, exponents);
  for (auto& a : summary.accuracies)
    accuracy[a.slot] = a.accuracy;
  return true;
}

bool round_parts::add_distances(const std::vector<agent_id>& ids,
                                const std::vector<float>& distances) {
  if (ids.size() != distances.size())
    return false;
  for (auto id : ids)
    if (id >= distance.size())
      return false;
  for (std::size_t k = 0; k < ids.size(); ++k)
    distance[ids[k]] = distances[k];
  return true;
}

metrics_row complete_row(const experiment& exp, round_t round,
                         const std::vector<agent_report>& reports,
                         const round_parts& parts) {
  metrics_row row;
  row.round = round;
  for (auto& r : reports) {
    row.bytes_sent += r.bytes_sent;
    row.messages_sent += r.messages_sent;
    row.messages_delivered += r.messages_delivered;
    row.local_steps += r.steps;
    row.compute_seconds += r.busy_seconds;
    if (!r.has_model())
      continue;
    ++row.online_agents;
    row.train_loss += r.train_loss;
  }
  auto slots = evaluated_agents(reports.size(), exp.cfg.eval.max_agents);
  row.agent_accuracy.assign(slots.size(), std::nan(""));
  if (row.online_agents == 0)
    return row; // everyone offline: nothing to evaluate
  auto present = static_cast<double>(row.online_agents);
  row.train_loss /= present;
  for (std::size_t i = 0; i < reports.size(); ++i)
    if (reports[i].has_model())
      row.consensus_distance += parts.distance[i];
  row.consensus_distance /= present;
  auto avg = exp.net->evaluate({parts.average.data(), parts.average.size()},
                               whole(exp.test));
  row.test_accuracy = avg.accuracy;
  row.test_loss = avg.loss;
  row.min_agent_accuracy = std::numeric_limits<double>::infinity();
  std::size_t evaluated = 0;
  for (std::size_t k = 0; k < slots.size(); ++k) {
    if (!reports[slots[k]].has_model())
      continue;
    auto acc = parts.accuracy[k];
    row.agent_accuracy[k] = acc;
    row.mean_agent_accuracy += acc;
    row.min_agent_accuracy = std::min(row.min_agent_accuracy, acc);
    ++evaluated;
  }
  row.mean_agent_accuracy /=
    static_cast<double>(std::max<std::size_t>(1, evaluated));
  if (evaluated == 0)
    row.min_agent_accuracy = 0;
  return row;
}

} // namespace murmur
