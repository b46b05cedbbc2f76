#pragma once

#include "core/config/config.hpp"

#include <caf/actor_system_config.hpp>

namespace murmur {

/// The one set-up of an actor system for murmur's actors (local runs, the
/// launcher, nodes, tests): every message type registered, `threads` worker
/// threads, and a bounded run per actor resume so a busy agent cannot starve
/// its neighbours' mailers. The real clock runs murmur's work-stealing
/// scheduler (actors/work_stealing.hpp); `clock` = simulated selects CAF's
/// test coordinator, which the virtual-time driver steps by hand.
void configure_system(caf::actor_system_config& cfg, int threads,
                      clock_kind clock = clock_kind::real);

/// oneTBB's thread budget for a run on `threads` threads (for a caller's
/// tbb::global_control, the lowest of which wins): under the virtual clock
/// one more, the event thread, which waits while `threads` threads compute.
std::size_t tbb_threads(clock_kind clock, int threads);

} // namespace murmur
