#include "actors/system.hpp"

#include "actors/messages.hpp"
#include "actors/virtual_clock.hpp"
#include "actors/work_stealing.hpp"

#include <caf/scheduler/coordinator.hpp>

#include <algorithm>

namespace murmur {

void configure_system(caf::actor_system_config& cfg, int threads,
                      clock_kind clock) {
  register_messages(cfg);
  cfg.set("scheduler.max-threads", std::max(1, threads));
  // A worker yields after this many messages of one actor.
  cfg.set("scheduler.max-throughput", 64);
  if (clock == clock_kind::simulated)
    cfg.load<virtual_coordinator>();
  else
    cfg.load<caf::scheduler::coordinator<work_stealing>>();
}

std::size_t tbb_threads(clock_kind clock, int threads) {
  auto n = static_cast<std::size_t>(std::max(1, threads));
  return clock == clock_kind::simulated ? n + 1 : n;
}

} // namespace murmur
