#include "core/run/network_ledger.hpp"

#include <algorithm>
#include <cmath>

namespace murmur {

network_ledger::network_ledger(const link_model& links, std::size_t agents)
  : links_(links), instant_(links.instant()), flows_(links.make_flows()),
    instant_sent_(new std::atomic<std::uint64_t>[agents]),
    instant_received_(new std::atomic<std::uint64_t>[agents]),
    last_row_(agents) {
  for (std::size_t i = 0; i < agents; ++i) {
    instant_sent_[i] = 0;
    instant_received_[i] = 0;
  }
}

void network_ledger::count_instant(agent_id from, agent_id to,
                                   std::uint64_t bytes) {
  instant_sent_[from].fetch_add(bytes, std::memory_order_relaxed);
  instant_received_[to].fetch_add(bytes, std::memory_order_relaxed);
}

std::vector<agent_traffic> network_ledger::snapshot(double now) {
  std::vector<agent_traffic> all(flows_.agents());
  if (instant_) {
    for (agent_id i = 0; i < all.size(); ++i) {
      all[i].bytes_sent = static_cast<double>(instant_sent_[i].load());
      all[i].bytes_received = static_cast<double>(instant_received_[i].load());
    }
    return all;
  }
  // The driver may have settled events a hair past the clock's rounding.
  now = std::max(now, flows_.time());
  for (agent_id i = 0; i < all.size(); ++i)
    all[i] = flows_.traffic(i, now);
  return all;
}

void network_ledger::fill_row(double now, metrics_row& row) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto all = snapshot(now);
  row.busiest_link_utilisation =
    flows_.busiest(last_row_, all, now - last_row_time_).utilisation;
  last_row_ = std::move(all);
  last_row_time_ = now;
}

void network_ledger::fill_agents(double now,
                                 std::vector<agent_report>& reports) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto all = snapshot(now);
  for (std::size_t i = 0; i < reports.size() && i < all.size(); ++i) {
    reports[i].bytes_received =
      static_cast<std::uint64_t>(std::llround(all[i].bytes_received));
    reports[i].network_seconds = all[i].network_seconds;
  }
}

} // namespace murmur
