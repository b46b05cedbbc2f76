#pragma once

#include "core/run/metrics.hpp"
#include "core/time/flow_network.hpp"
#include "core/time/link_model.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace murmur {

/// The network of one run: the flow model that times every transfer, shared
/// by whoever drives it (the runtime's network actor, or the lock-step loop)
/// and whoever reads it (the observer, at each evaluation). On an instant
/// network (no latency, every link unlimited) transfers take no time and
/// nothing drives the model: senders only count the bytes, here.
class network_ledger {
public:
  /// `links` must outlive the ledger (the experiment's cost model owns it).
  network_ledger(const link_model& links, std::size_t agents);

  bool instant() const { return instant_; }
  const link_model& links() const { return links_; }

  /// Runs f(flows) under the lock (the driver's calls).
  template <class F>
  decltype(auto) drive(F f) {
    std::lock_guard<std::mutex> guard{mutex_};
    return f(flows_);
  }

  /// Instant networks: a transfer of `bytes` from `from` to `to` happened.
  void count_instant(agent_id from, agent_id to, std::uint64_t bytes);

  /// Sets row.busiest_link_utilisation: the most used link since the
  /// previous row (clock seconds `now`).
  void fill_row(double now, metrics_row& row);

  /// Sets every report's bytes_received and network_seconds as of `now`.
  void fill_agents(double now, std::vector<agent_report>& reports);

private:
  std::vector<agent_traffic> snapshot(double now); ///< under the lock

  const link_model& links_;
  bool instant_;
  std::mutex mutex_;
  flow_network flows_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> instant_sent_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> instant_received_;
  std::vector<agent_traffic> last_row_;
  double last_row_time_ = 0;
};

} // namespace murmur
