#include "core/time/availability.hpp"

#include "core/base/error.hpp"
#include "core/base/rng.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

namespace murmur {

namespace {

[[noreturn]] void bad(const std::string& path, std::size_t line,
                      const std::string& what) {
  throw input_error(path + ":" + std::to_string(line) + ": " + what);
}

bool number(std::string text, double& out) {
  auto b = text.find_first_not_of(" \t\r");
  if (b == std::string::npos)
    return false;
  text = text.substr(b, text.find_last_not_of(" \t\r") - b + 1);
  std::size_t used = 0;
  try {
    out = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size() && std::isfinite(out);
}

constexpr double day = 86400;

/// Largest agent id a trace may name.
constexpr double max_trace_id = 1e7;

/// One agent's alternating exponential on/off periods up to `horizon`; the
/// first state is online with the stationary probability.
std::vector<interval> on_off(const churn_config& cfg, double phase,
                             double horizon, rng& gen) {
  std::exponential_distribution<double> unit{1.0};
  std::bernoulli_distribution starts_online{
    cfg.mean_online / (cfg.mean_online + cfg.mean_offline)};
  std::vector<interval> out;
  bool up = starts_online(gen);
  double t = 0;
  while (t < horizon) {
    double mean = cfg.mean_offline;
    if (up)
      mean = cfg.mean_online *
             (1 + cfg.diurnal * std::cos(2 * M_PI * (t / day + phase)));
    double next = t + mean * unit(gen);
    // A period still running at the horizon lasts: nobody drops out just
    // because the schedule ends.
    if (up)
      out.push_back({t, next < horizon ? next : forever});
    t = next;
    up = !up;
  }
  return out;
}

} // namespace

const schema<churn_config>& churn_schema() {
  static const auto s = [] {
    using C = churn_config;
    schema<C> s;
    s.add<churn_kind>(
      "churn.kind", [](C& c) -> churn_kind& { return c.kind; },
      "agents going offline and back");
    s.add<std::string>(
      "churn.trace", [](C& c) -> std::string& { return c.trace; },
      "trace: CSV of online intervals, agent,start,end in seconds per line; "
      "agent i replays trace agent i mod agents");
    s.add<double>(
      "churn.mean_online", [](C& c) -> double& { return c.mean_online; },
      "exponential: mean online period, seconds", positive());
    s.add<double>(
      "churn.mean_offline", [](C& c) -> double& { return c.mean_offline; },
      "exponential: mean offline period, seconds", positive());
    s.add<double>(
      "churn.diurnal", [](C& c) -> double& { return c.diurnal; },
      "exponential: amplitude of a 24 h cycle on the online mean, per-agent "
      "phase (0 = none)",
      in_range(0, 0.99));
    return s;
  }();
  return s;
}

void validate(const churn_config& cfg) {
  if (cfg.kind == churn_kind::trace && cfg.trace.empty())
    throw input_error("churn.trace: churn.kind = \"trace\" needs an "
                      "availability CSV (agent,start,end per line)");
}

availability::availability(std::size_t agents)
  : online_(agents, std::vector<interval>{{0, forever}}) {}

availability::availability(std::vector<std::vector<interval>> online)
  : online_(std::move(online)), churns_(true) {}

bool availability::online(agent_id i, double t) const {
  auto& v = online_[i];
  auto it =
    std::upper_bound(v.begin(), v.end(), t,
                     [](double x, const interval& iv) { return x < iv.start; });
  return it != v.begin() && t < std::prev(it)->end;
}

std::size_t availability::online_count(double t) const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < online_.size(); ++i)
    n += online(static_cast<agent_id>(i), t);
  return n;
}

availability_trace read_availability(const std::string& path,
                                     const std::string& field) {
  std::ifstream in{path};
  if (!in)
    throw input_error(field + ": cannot read trace file '" + path + "'");
  availability_trace trace;
  std::string line;
  const char* names[] = {"agent", "start", "end"};
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#')
      continue;
    std::stringstream cells{line};
    std::string cell;
    double v[3] = {0, 0, 0};
    std::size_t col = 0;
    for (; std::getline(cells, cell, ','); ++col) {
      if (col >= 3)
        bad(path, n, "expected 3 fields agent,start,end, got more");
      if (!number(cell, v[col])) {
        if (n == 1 && col == 0)
          break; // header line
        bad(path, n,
            std::string{"field "} + names[col] + " '" + cell +
              "' is not a number");
      }
    }
    if (n == 1 && col == 0)
      continue;
    if (col != 3)
      bad(path, n,
          "expected 3 fields agent,start,end, got " + std::to_string(col));
    if (v[0] < 0 || v[0] != std::floor(v[0]) || v[0] > max_trace_id)
      bad(path, n,
          "field agent must be an integer id in [0, " +
            std::to_string(static_cast<long>(max_trace_id)) + "]");
    if (v[1] < 0)
      bad(path, n, "field start must be >= 0 seconds");
    if (!(v[2] > v[1]))
      bad(path, n, "field end must be > start");
    auto id = static_cast<std::size_t>(v[0]);
    trace.ids = std::max(trace.ids, id + 1);
    auto& d = trace.online[id];
    if (!d.empty() && v[1] < d.back().end)
      bad(path, n,
          "field start: intervals of agent " + std::to_string(id) +
            " must be listed in order and not overlap");
    d.push_back({v[1], v[2]});
  }
  if (trace.online.empty())
    throw input_error(path + ": no intervals (" + field + ")");
  return trace;
}

availability make_availability(const churn_config& cfg, std::size_t agents,
                               double horizon, std::uint64_t seed) {
  if (cfg.kind == churn_kind::none)
    return availability{agents};
  std::vector<std::vector<interval>> online(agents);
  if (cfg.kind == churn_kind::trace) {
    auto trace = read_availability(cfg.trace, "churn.trace");
    for (std::size_t i = 0; i < agents; ++i)
      if (auto it = trace.online.find(i % trace.ids); it != trace.online.end())
        online[i] = it->second;
  } else {
    for (std::size_t i = 0; i < agents; ++i) {
      rng gen{derive_seed(seed, stream::churn, i)};
      double phase = static_cast<double>(i) / static_cast<double>(agents);
      online[i] = on_off(cfg, phase, horizon, gen);
    }
  }
  return availability{std::move(online)};
}

} // namespace murmur
