#pragma once

#include "core/base/schema.hpp"
#include "core/config/hosts.hpp"

#include <string>

namespace murmur {

/// The live web view of a run (`murmur run --dashboard [HOST:]PORT`): where
/// it listens, how often it samples the agents, and how it paces a
/// virtual-clock run.
struct dashboard_section {
  std::string listen;           ///< "[HOST:]PORT"; "" = no dashboard
  double sample_seconds = 0.25; ///< agents' states sampled at most this often
  double speed = 0; ///< virtual clock: simulated seconds per wall second, 0 =
                    ///< as fast as possible
  bool start_paused = false; ///< virtual clock: wait for the page's run button
};

/// A virtual-clock speed ratio (simulated seconds per wall second) the
/// pacer takes: 0 (as fast as possible) or within [1e-3, 1e6].
bool valid_speed(double ratio);

/// The dashboard.* keys.
const schema<dashboard_section>& dashboard_schema();

/// Parses "[HOST:]PORT" (a bare port listens on 127.0.0.1; port 0 = any free
/// port); throws input_error naming `field`.
endpoint parse_listen(const std::string& text, const std::string& field);

/// The rules between dashboard.* keys (the listen address parses).
void validate(const dashboard_section& d);

} // namespace murmur
