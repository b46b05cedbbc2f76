#pragma once

// Churn: when each agent is online. Either replayed from an availability
// trace or drawn from a synthetic on/off model; either way a pure function of
// the config and the seed, fixed before the run starts.

#include "core/base/schema.hpp"
#include "core/base/types.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace murmur {

/// Whether and how agents go offline and come back.
enum class churn_kind { none, trace, exponential };

inline const enum_names<churn_kind>& names_of(churn_kind) {
  static const enum_names<churn_kind> n{
    {"none", churn_kind::none},
    {"trace", churn_kind::trace},
    {"exponential", churn_kind::exponential}};
  return n;
}

struct churn_config {
  churn_kind kind = churn_kind::none;
  /// trace: CSV "agent,start,end" (seconds), one online interval per line;
  /// agent i replays trace device i mod devices.
  std::string trace;
  double mean_online = 3600;  ///< exponential: mean online period, seconds
  double mean_offline = 1800; ///< exponential: mean offline period, seconds
  /// exponential: amplitude in [0, 1) of a 24 h cycle on the online mean,
  /// phase-shifted per agent (agent i / agents of a day) like time zones.
  double diurnal = 0;
};

/// Throws input_error naming the churn.* field at fault.
void validate(const churn_config& cfg);

/// The churn.* keys.
const schema<churn_config>& churn_schema();

constexpr double forever = std::numeric_limits<double>::infinity();

/// Half-open interval [start, end) of seconds during which an agent is online.
struct interval {
  double start = 0;
  double end = 0;
};

class availability {
public:
  /// Always online (churn.kind = none).
  explicit availability(std::size_t agents);
  /// Per-agent sorted, disjoint online intervals.
  explicit availability(std::vector<std::vector<interval>> online);

  std::size_t agents() const { return online_.size(); }
  bool churns() const { return churns_; }
  bool online(agent_id i, double t) const;
  std::size_t online_count(double t) const;
  /// Agent i never goes offline (e.g. an FL server).
  void keep_online(agent_id i) { online_[i] = {{0, forever}}; }
  const std::vector<interval>& intervals(agent_id i) const {
    return online_[i];
  }

private:
  std::vector<std::vector<interval>> online_;
  bool churns_ = false;
};

/// An availability trace as read: each trace agent's online intervals, in
/// order and disjoint. Ids may be sparse (held only where a line names them):
/// an id without lines is never online.
struct availability_trace {
  std::map<std::size_t, std::vector<interval>> online;
  std::size_t ids = 0; ///< largest id + 1; agent i replays id i mod ids
};

/// Reads an availability trace (see churn_config::trace): validates every
/// line and reports file:line: field on error.
availability_trace read_availability(const std::string& path,
                                     const std::string& field);

/// The run's availability for `agents` agents up to `horizon` seconds.
availability make_availability(const churn_config& cfg, std::size_t agents,
                               double horizon, std::uint64_t seed);

} // namespace murmur
