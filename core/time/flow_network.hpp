#pragma once

#include "core/base/schema.hpp"
#include "core/base/types.hpp"
#include "core/time/indexed_heap.hpp"
#include "core/time/slot_list.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace murmur {

/// How concurrent transfers share the agents' links.
///  - max_min: every transfer in progress is a flow through its sender's
///    uplink and its receiver's downlink; rates are max-min fair (progressive
///    filling), the default network model of SimGrid (Velho & Legrand,
///    SIMUTools 2009) without its TCP calibration factors.
///  - fifo: each uplink sends one transfer at a time, in the order they
///    became ready (ties by flow id); the transfers being sent share the
///    downlinks max-min.
///  - independent: every transfer runs alone at min(uplink, downlink), as if
///    nothing else were on the network (murmur's model before flows).
enum class sharing_kind { max_min, fifo, independent };

inline const enum_names<sharing_kind>& names_of(sharing_kind) {
  static const enum_names<sharing_kind> n{
    {"max-min", sharing_kind::max_min},
    {"fifo", sharing_kind::fifo},
    {"independent", sharing_kind::independent}};
  return n;
}

/// Names a flow. Ids grow with each start, so ordering by id is ordering by
/// start; an id is never reused.
using flow_id = std::uint64_t;

/// A transfer that has delivered its last byte.
struct flow_done {
  flow_id id = 0;
  agent_id from = 0;
  agent_id to = 0;
  std::uint64_t bytes = 0;
  double started = 0;  ///< when start() was called
  double finished = 0; ///< when its last byte arrived
};

/// What went through one agent's links up to some time.
struct agent_traffic {
  double bytes_sent = 0;      ///< through its uplink, unfinished flows too
  double bytes_received = 0;  ///< through its downlink
  double network_seconds = 0; ///< time with >= 1 flow from or to it in flight
};

/// The most used link over an interval: `utilisation` is the share of the
/// link's capacity its traffic took (unlimited links count as 0; under
/// `independent` sharing it can exceed 1).
struct busiest_link {
  agent_id agent = 0;
  bool uplink = true;
  double utilisation = 0;
};

/// Deterministic, event-driven flow-level network over per-agent uplinks and
/// downlinks (bytes/s; +inf = unlimited).
///
/// A transfer started at `now` with latency L first pays L without using
/// any bandwidth, then becomes a flow that sends its bytes at the rate the
/// sharing model gives it, recomputed whenever a flow starts sending,
/// finishes or is cancelled. This is SimGrid's order (its network model keeps
/// a new flow's sharing weight at 0 until the latency is paid); a transfer's
/// time is latency + the time its bytes take at the rates it gets.
///
/// Rates are recomputed lazily, once for all the changes made at one
/// instant, and only over the connected component of links the changes
/// touched (links joined by flows through both). Per-flow remaining bytes
/// are updated at recomputes only (remaining -= rate x dt); a flow is done
/// when its remaining bytes fall to 1e-9 of its size, so flows that end at
/// the same time up to rounding end together.
///
/// Driving it (virtual or real clock), the caller's time never goes back:
///
///   auto id = net.start(now, from, to, bytes, latency(from, to));
///   ...
///   double t = net.next_event();          // sleep or schedule until t
///   for (auto& done : net.advance(t)) ... // deliver, in (time, id) order
///
/// Identical call sequences give identical results, bit for bit.
class flow_network {
public:
  flow_network(std::vector<double> uplinks, std::vector<double> downlinks,
               sharing_kind sharing);

  /// A transfer of `bytes` from `from` to `to`, starting at `now` (not before
  /// the last advance, and no event may be pending before it: advance(now)
  /// first). It pays `latency` seconds before it sends.
  flow_id start(double now, agent_id from, agent_id to, std::uint64_t bytes,
                double latency = 0);

  /// Drops a transfer at `now` (e.g. an agent going offline): it never
  /// completes, its bytes so far stay counted, and the capacity it held goes
  /// to the other flows (rates recomputed). Returns the bytes it had sent
  /// (0 while it paid its latency), nothing when it was not in flight.
  std::optional<double> cancel(double now, flow_id id);

  /// When the next transfer finishes its latency or its bytes (+inf when
  /// nothing is in flight). Calling advance() then may complete nothing: a
  /// flow that finished its latency only starts sharing.
  double next_event();

  /// Processes every event up to `now` and hands back the transfers that
  /// completed since the previous call, by finish time, ties by id. The
  /// reference stays valid until the next call.
  const std::vector<flow_done>& advance(double now);

  /// A flow's current rate in bytes/s (0 while it pays its latency or waits
  /// in a FIFO queue). Throws std::logic_error when it is not in flight.
  double rate(flow_id id);

  /// Agent i's traffic from time 0 to `now` (no earlier than the last event).
  agent_traffic traffic(agent_id i, double now);

  /// The most used link between two snapshots of every agent's traffic taken
  /// `seconds` apart (ties: lowest agent, uplink first).
  busiest_link busiest(const std::vector<agent_traffic>& before,
                       const std::vector<agent_traffic>& after,
                       double seconds) const;

  /// Where a flow sits among those in flight: flows in flight at the same
  /// time have distinct places, below the most ever in flight at once, so a
  /// driver can keep what it knows of each in a vector instead of a map. A
  /// flow that finished keeps its place until advance() has reported it:
  /// a driver collects completions (advance) before it starts new flows.
  static std::size_t place(flow_id id);

  std::size_t agents() const { return agents_.size(); }
  std::size_t in_flight() const { return live_; }
  /// The time of the last call (calls may not go before it).
  double time() const { return time_; }
  double uplink(agent_id i) const { return links_[i].capacity; }
  double downlink(agent_id i) const {
    return links_[agents_.size() + i].capacity;
  }

private:
  enum class phase : std::uint8_t { free, latency, sending };

  struct flow {
    flow_id id = 0;
    agent_id from = 0;
    agent_id to = 0;
    std::uint64_t bytes = 0;
    double started = 0;
    double remaining = 0;  ///< bytes left at settled_at
    double settled_at = 0; ///< remaining and rate hold from then on
    double rate = 0;
    double settled_rate = 0; ///< the rate before this recompute
    phase state = phase::free;
    bool frozen = false; ///< max-min: rate fixed in this recompute
    std::uint64_t seen = 0;
  };

  /// Fields by use, so that a flow's start or end (flows, touched) and
  /// collecting a component (seen) touch the link's first bytes only.
  struct link {
    slot_list flows; ///< sending through it, by activation
    std::uint64_t seen = 0;
    bool touched = false;
    std::uint32_t unfrozen = 0;
    double capacity = 0;
    double spare = 0;      ///< max-min scratch: capacity not yet given out
    double load = 0;       ///< sum of its flows' finite rates
    double carried = 0;    ///< bytes carried up to settled_at
    double settled_at = 0; ///< load holds from then on
  };

  struct agent_state {
    std::uint32_t in_flight = 0;
    double busy_since = 0;
    double network_seconds = 0;
  };

  std::uint32_t up(const flow& f) const { return f.from; }
  std::uint32_t down(const flow& f) const {
    return static_cast<std::uint32_t>(agents_.size()) + f.to;
  }
  bool eligible(std::uint32_t slot) const;
  std::uint32_t slot_of(flow_id id) const;

  void enter(double now);
  std::uint32_t allocate();
  void touch(std::uint32_t l);
  void activate(std::uint32_t slot, double t);
  void finish(std::uint32_t slot, double t);
  void release(std::uint32_t slot, double t);
  void unlink(std::uint32_t slot);
  void agent_joins(agent_id a, double t);
  void agent_leaves(agent_id a, double t);

  void recompute();
  void collect_component();
  bool settle(double t); ///< true when it finished flows
  void share_max_min();
  void share_independently();
  void update_loads_and_events(double t);

  sharing_kind sharing_;
  std::vector<link> links_; ///< uplinks 0..n-1, then downlinks n..2n-1
  std::vector<agent_state> agents_;
  std::vector<flow> flows_; ///< by slot
  std::vector<std::uint32_t> free_slots_;
  indexed_heap events_; ///< latency ends and flow completions, by slot
  double time_ = 0;
  std::uint64_t next_seq_ = 1;
  std::size_t live_ = 0;
  std::uint64_t epoch_ = 0;

  std::vector<std::uint32_t> touched_; ///< links changed since the recompute
  std::vector<std::uint32_t> component_links_;
  std::vector<std::uint32_t> component_flows_;
  /// Max-min scratch: links by the share they would give each unfrozen flow.
  indexed_heap bottlenecks_;
  std::vector<flow_done> done_;     ///< completed, not yet reported
  std::vector<flow_done> reported_; ///< handed out by the last advance()
};

} // namespace murmur
