#pragma once

#include "core/run/experiment.hpp"
#include "core/run/metrics.hpp"
#include "core/run/model_sum.hpp"

#include <cstdint>
#include <vector>

namespace murmur {

/// The models of one evaluated round that one process holds: every agent's
/// in a single process, a node's own agents' across hosts. The parts of an
/// evaluation that need the models run where they are (below); the rest
/// needs only what these parts return, so a run across hosts sends numbers,
/// a sum and the average to and from its nodes instead of every model to
/// the launcher, and gets the metrics of a single process bit for bit.
struct held_models {
  std::vector<agent_id> ids; ///< any order
  std::vector<blob> models;  ///< models[k] is agent ids[k]'s

  void add(agent_id id, blob model) {
    ids.push_back(id);
    models.push_back(std::move(model));
  }
};

/// One evaluated agent's own test accuracy: `slot` indexes
/// evaluated_agents(agents, eval.max_agents).
struct agent_accuracy {
  std::uint32_t slot = 0;
  double accuracy = 0;
};

/// First part: the held models' exponents (for the sum) and the test
/// accuracy of each held agent that is evaluated on its own.
struct held_summary {
  std::uint64_t models = 0; ///< how many models the holder holds
  sum_exponents exponents;
  std::vector<agent_accuracy> accuracies;
};

held_summary summarize(const experiment& exp, const held_models& held);

/// Second part: the held models' sum, at the exponents of all the round's
/// models.
fixed_sum partial_sum(const experiment& exp, const held_models& held,
                      const sum_exponents& all);

/// Third part: ||x_i - average||^2 of each held model, in held.ids order.
std::vector<float> squared_distances(const held_models& held,
                                     const vec& average);

/// What the parts of every holder add up to.
struct round_parts {
  round_parts() = default;
  /// Nothing yet: exponents 0, accuracies NaN, distances 0.
  explicit round_parts(const experiment& exp);

  /// Takes a holder's summary; false if it does not fit the experiment (a
  /// malformed answer from another process).
  bool add(const held_summary& summary);
  /// Takes a holder's distances (squared_distances of `ids`); false if they
  /// do not fit.
  bool add_distances(const std::vector<agent_id>& ids,
                     const std::vector<float>& distances);

  sum_exponents exponents;
  std::vector<double> accuracy; ///< by slot; NaN: not held
  vec average;
  std::vector<float> distance; ///< by agent id
};

/// The round's row from the agents' reports (agent_report::has_model says
/// which models count) and the parts of the models' holders: sums and means
/// taken in agent order, whoever held which model.
metrics_row complete_row(const experiment& exp, round_t round,
                         const std::vector<agent_report>& reports,
                         const round_parts& parts);

} // namespace murmur
