#pragma once

#include "actors/run_env.hpp"
#include "core/time/injections.hpp"

#include <caf/all.hpp>

#include <string>
#include <vector>

namespace murmur {

/// The straggler controller: applies injections to agents wherever the
/// command comes from (config script, console, `murmur ctl`), writes every
/// one with its time to the events file, and answers `status`.
///
///   (command, line, source) -> parse -> inject into trainers -> "ok: ..."
///                                    -> status: ask every trainer -> summary
///   scripted(i, undo) at its time on the run's clock -> inject
struct controller_state {
  static inline const char* name = "controller";
  const run_env* env = nullptr;
  std::vector<caf::actor> trainers;
  std::vector<scripted_command> script;
};

caf::behavior controller(caf::stateful_actor<controller_state>* self,
                         const run_env* env, std::vector<caf::actor> trainers);

} // namespace murmur
