#pragma once

#include "core/base/rng.hpp"
#include "core/base/schema.hpp"
#include "core/base/types.hpp"
#include "core/time/injections.hpp"

#include <memory>
#include <string>
#include <vector>

namespace murmur {

/// The random extra delay every step of every agent may get.
enum class delay_kind { none, exponential, pareto };

inline const enum_names<delay_kind>& names_of(delay_kind) {
  static const enum_names<delay_kind> n{
    {"none", delay_kind::none},
    {"exponential", delay_kind::exponential},
    {"pareto", delay_kind::pareto}};
  return n;
}

/// Configured stragglers (the static part; live and scripted injections come
/// as commands).
struct straggler_config {
  std::vector<int> agents; ///< permanently slow agents
  double slowdown = 1;     ///< their compute factor
  delay_kind delay = delay_kind::none;
  double delay_mean = 0;           ///< mean random delay per step, seconds
  double pareto_shape = 2;         ///< pareto: tail index (> 1)
  double outage_probability = 0;   ///< per step: the agent goes dark...
  double outage_seconds = 0;       ///< ...for this long
  std::vector<std::string> events; ///< scripted: "at 30s slow 0-3 5x for 20s"
};

/// How fast one agent computes right now: its configured straggling plus
/// whatever was injected. Random delays come from the agent's own stream, so
/// they do not depend on other agents or threads.
class agent_pace {
public:
  agent_pace(const straggler_config& cfg, agent_id id, std::uint64_t seed);

  /// Seconds a compute phase of `base` seconds takes now (draws the random
  /// delay and outage for this step).
  double duration(double base);

  /// Applies slow, delay, pause, resume or kill.
  void apply(const command& c);

  bool paused() const { return paused_; }
  bool killed() const { return killed_; }
  double slowdown() const { return fixed_ * injected_; }
  double extra_delay() const { return extra_; }

private:
  const straggler_config& cfg_;
  double fixed_ = 1;
  double injected_ = 1;
  double extra_ = 0;
  bool paused_ = false;
  bool killed_ = false;
  /// Only when the configuration draws random delays or outages: a stream is
  /// 2.5 KiB, as much as a model of 600 parameters, in every agent.
  std::unique_ptr<rng> gen_;
};

/// Checks the straggler section (and that scripted events parse).
void validate(const straggler_config& cfg, std::size_t agents);

/// The stragglers.* keys.
const schema<straggler_config>& stragglers_schema();

} // namespace murmur
