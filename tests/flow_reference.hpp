#pragma once

// A deliberately naive flow-level simulator, written apart from
// core/time/flow_network so the two can check each other: at every event it
// recomputes every flow's rate from scratch by water-filling (all unfrozen
// flows rise together until some link is full; the flows through it freeze)
// and steps every flow to the next event.

#include "core/time/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace murmur::testing {

struct planned_flow {
  agent_id from = 0;
  agent_id to = 0;
  double bytes = 0;
  double start = 0;
  double latency = 0;
  double cancel_at = std::numeric_limits<double>::infinity();
};

/// Each planned flow's finish time (+inf when it was cancelled first).
inline std::vector<double>
reference_finish(const std::vector<double>& up, const std::vector<double>& down,
                 sharing_kind sharing, const std::vector<planned_flow>& plan) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  auto n = plan.size();
  std::vector<double> finish(n, inf), remaining(n), rate(n, 0.0);
  std::vector<bool> sending(n, false), over(n, false);
  for (std::size_t f = 0; f < n; ++f)
    remaining[f] = plan[f].bytes;
  auto ready = [&](std::size_t f) { return plan[f].start + plan[f].latency; };
  // FIFO: the flow an uplink sends now is its earliest ready, lowest index.
  auto head_of_uplink = [&](std::size_t f) {
    for (std::size_t g = 0; g < n; ++g)
      if (sending[g] && plan[g].from == plan[f].from &&
          (ready(g) < ready(f) || (ready(g) == ready(f) && g < f)))
        return false;
    return true;
  };
  auto water_fill = [&](std::vector<bool> unfrozen) {
    for (;;) {
      double step = inf;
      bool any = false;
      auto through = [&](std::size_t f, bool is_up, std::size_t a) {
        return is_up ? plan[f].from == a : plan[f].to == a;
      };
      for (bool is_up : {true, false})
        for (std::size_t a = 0; a < up.size(); ++a) {
          double cap = is_up ? up[a] : down[a];
          double used = 0;
          int count = 0;
          for (std::size_t f = 0; f < n; ++f)
            if (sending[f] && through(f, is_up, a)) {
              used += rate[f];
              count += unfrozen[f];
            }
          if (count > 0) {
            any = true;
            if (std::isfinite(cap))
              step = std::min(step, (cap - used) / count);
          }
        }
      if (!any)
        return;
      if (std::isinf(step)) {
        for (std::size_t f = 0; f < n; ++f)
          if (unfrozen[f])
            rate[f] = inf;
        return;
      }
      for (std::size_t f = 0; f < n; ++f)
        if (unfrozen[f])
          rate[f] += step;
      for (bool is_up : {true, false})
        for (std::size_t a = 0; a < up.size(); ++a) {
          double cap = is_up ? up[a] : down[a];
          double used = 0;
          for (std::size_t f = 0; f < n; ++f)
            if (sending[f] && through(f, is_up, a))
              used += rate[f];
          if (std::isfinite(cap) && used >= cap * (1 - 1e-12))
            for (std::size_t f = 0; f < n; ++f)
              if (through(f, is_up, a))
                unfrozen[f] = false;
        }
    }
  };
  double t = 0;
  for (;;) {
    for (std::size_t f = 0; f < n; ++f) {
      if (over[f])
        continue;
      if (plan[f].cancel_at <= t) {
        over[f] = true;
        sending[f] = false;
      } else if (!sending[f] && ready(f) <= t) {
        sending[f] = true;
      }
    }
    for (std::size_t f = 0; f < n; ++f)
      if (sending[f] && remaining[f] <= 0) { // nothing to send
        finish[f] = t;
        sending[f] = false;
        over[f] = true;
      }
    std::vector<bool> unfrozen(n, false);
    for (std::size_t f = 0; f < n; ++f) {
      rate[f] = 0;
      bool eligible =
        sending[f] && (sharing != sharing_kind::fifo || head_of_uplink(f));
      if (eligible && sharing == sharing_kind::independent)
        rate[f] = std::min(up[plan[f].from], down[plan[f].to]);
      else
        unfrozen[f] = eligible;
    }
    water_fill(unfrozen);
    double next = inf;
    for (std::size_t f = 0; f < n; ++f) {
      if (over[f])
        continue;
      if (!sending[f])
        next = std::min(next, ready(f));
      else if (rate[f] > 0)
        next = std::min(next, t + remaining[f] / rate[f]);
      next = std::min(next, plan[f].cancel_at);
    }
    if (std::isinf(next))
      return finish;
    for (std::size_t f = 0; f < n; ++f)
      if (sending[f])
        remaining[f] =
          std::isinf(rate[f]) ? 0 : remaining[f] - rate[f] * (next - t);
    t = next;
    for (std::size_t f = 0; f < n; ++f)
      if (sending[f] && remaining[f] <= 1e-9 * plan[f].bytes) {
        finish[f] = t;
        sending[f] = false;
        over[f] = true;
      }
  }
}

} // namespace murmur::testing
