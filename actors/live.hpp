#pragma once

#include "actors/run_env.hpp"

#include <caf/all.hpp>

#include <vector>

namespace murmur {

class pacer;

/// A run as the services that watch and steer it live see it: its actor
/// system and clock, the controller every live command goes through, and
/// each agent's trainer, indexed by agent id (local or on a remote node).
struct live_run {
  caf::actor_system& sys;
  const run_env& env;
  caf::actor controller;
  std::vector<caf::actor> trainers;
};

/// Something that serves a run while it goes on, from outside its actors:
/// the command channels (console, `murmur ctl`) and the dashboard. It is
/// opened (its port bound) before the run creates anything; the runtime
/// calls serve() once the run's actors exist and close() when the run is
/// over, on every runtime (real clock, virtual clock, across hosts).
class live_service {
public:
  virtual ~live_service() = default;

  virtual void serve(const live_run& run) = 0;

  /// Stops touching the run's actors (idempotent).
  virtual void close() = 0;

  /// Virtual clock: what paces the driver loop between events, or null.
  virtual pacer* pace() { return nullptr; }
};

/// Several services as one (each may be null and is then left out).
class live_services : public live_service {
public:
  live_services(std::initializer_list<live_service*> services) {
    for (auto* s : services)
      if (s)
        all_.push_back(s);
  }

  bool empty() const { return all_.empty(); }

  void serve(const live_run& run) override {
    for (auto* s : all_)
      s->serve(run);
  }

  void close() override {
    for (auto* s : all_)
      s->close();
  }

  pacer* pace() override {
    for (auto* s : all_)
      if (auto* p = s->pace())
        return p;
    return nullptr;
  }

private:
  std::vector<live_service*> all_;
};

} // namespace murmur
