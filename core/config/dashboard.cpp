#include "core/config/dashboard.hpp"

namespace murmur {

const schema<dashboard_section>& dashboard_schema() {
  static const auto s = [] {
    using C = dashboard_section;
    schema<C> s;
    s.add<std::string>(
      "dashboard.listen", [](C& c) -> std::string& { return c.listen; },
      "serve a live web view of the run on [HOST:]PORT (a bare port listens "
      "on 127.0.0.1, port 0 picks a free one; any other than loopback "
      "requires the token printed at start); \"\" = off");
    s.add<double>(
      "dashboard.sample_seconds",
      [](C& c) -> double& { return c.sample_seconds; },
      "wall seconds between samples of the agents' states (at least "
      "agents / 20000)",
      in_range(0.05, 60));
    s.add<double>(
      "dashboard.speed", [](C& c) -> double& { return c.speed; },
      "virtual clock: simulated seconds per wall second (0 = as fast as "
      "possible); the page can change it",
      in_range(0, 1e6));
    s.add<bool>(
      "dashboard.start_paused", [](C& c) -> bool& { return c.start_paused; },
      "virtual clock: hold the run at time 0 until the page's run button");
    return s;
  }();
  return s;
}

endpoint parse_listen(const std::string& text, const std::string& field) {
  if (text.find(':') == std::string::npos)
    return parse_endpoint("127.0.0.1:" + text, field, true);
  return parse_endpoint(text, field, true);
}

bool valid_speed(double ratio) {
  return ratio == 0 || (ratio >= 1e-3 && ratio <= 1e6);
}

void validate(const dashboard_section& d) {
  if (!d.listen.empty())
    parse_listen(d.listen, "dashboard.listen");
  if (!valid_speed(d.speed))
    throw input_error("dashboard.speed: give 0 (as fast as possible) or a "
                      "ratio from 0.001 to 1e6");
}

} // namespace murmur
