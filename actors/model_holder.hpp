#pragma once

#include "core/run/experiment.hpp"
#include "core/run/held_models.hpp"

#include <caf/all.hpp>

#include <map>

namespace murmur {

/// On a node across hosts, between the node's agents and the launcher's
/// observer: it keeps each evaluated round's models here and forwards the
/// agents' reports (and departures) without them, marked model_on_node.
/// The observer then asks it for the parts of the round's evaluation that
/// need the models, in turn (core/run/held_models.hpp):
///   summary_atom(round)                -> held_summary
///   fixsum_atom(round, all exponents)  -> partial sum words
///   distance_atom(round, average)      -> held_distances
/// so per evaluation a node sends a summary, a sum and one float per agent
/// and receives the average, whatever the number of agents it holds. The
/// observer may ask a round again from the start (after dropping another
/// node from it), so a round's models stay until a later round is asked
/// for (rounds are evaluated in order), and its summary, whose accuracies
/// cost the most, is kept with them. The models are shared references, as
/// in the observer of a single process.
struct model_holder_state {
  static inline const char* name = "model_holder";
  const experiment* exp = nullptr;
  caf::actor observer;
  std::map<round_t, held_models> rounds;
  std::map<round_t, held_summary> summaries; ///< computed, by round
};

caf::behavior model_holder(caf::stateful_actor<model_holder_state>* self,
                           const experiment* exp, caf::actor observer);

} // namespace murmur
