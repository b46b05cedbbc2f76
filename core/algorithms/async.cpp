#include "core/algorithms/async.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace murmur {

void arrival_buffer::evict_stale(double now) {
  entries_.erase(
    std::remove_if(entries_.begin(), entries_.end(),
                   [&](const entry& e) { return stale(e.sent_at, now); }),
    entries_.end());
}

arrival_buffer::verdict arrival_buffer::offer(agent_id from, double sent_at,
                                              double now, payload msg) {
  if (stale(sent_at, now))
    return verdict::stale;
  evict_stale(now);
  auto same = std::find_if(entries_.begin(), entries_.end(),
                           [&](const entry& e) { return e.from == from; });
  if (same != entries_.end()) {
    if (sent_at <= same->sent_at)
      return verdict::older;
    same->sent_at = sent_at;
    same->msg = std::move(msg);
    return verdict::replaced;
  }
  if (capacity_ > 0 && entries_.size() >= capacity_)
    return verdict::full;
  entries_.push_back({from, sent_at, std::move(msg)});
  return verdict::accepted;
}

inbox arrival_buffer::drain(double now) {
  evict_stale(now);
  std::sort(entries_.begin(), entries_.end(),
            [](const entry& a, const entry& b) { return a.from < b.from; });
  inbox out;
  out.reserve(entries_.size());
  for (auto& e : entries_)
    out.push_back({e.from, std::move(e.msg)});
  entries_.clear();
  return out;
}

double rayleigh_outage(double distance, double threshold, double path_loss,
                       double mean_snr) {
  return 1 - std::exp(-threshold * std::pow(distance, path_loss) / mean_snr);
}

double delivery_loss(const async_schedule& s, const topology& comm,
                     agent_id from, agent_id to) {
  if (s.channel != channel_model::rayleigh)
    return s.erasure;
  auto& a = comm.positions.at(from);
  auto& b = comm.positions.at(to);
  double d = std::hypot(a[0] - b[0], a[1] - b[1]);
  return rayleigh_outage(d, s.snr_threshold, s.path_loss, s.mean_snr);
}

mixing_row row_stochastic_weights(const inbox& in) {
  mixing_row row;
  row.weights.assign(in.size(), 0.0);
  std::unordered_set<agent_id> seen;
  std::vector<std::size_t> counted;
  for (std::size_t k = in.size(); k-- > 0;)
    if (in[k].msg.data && seen.insert(in[k].from).second)
      counted.push_back(k);
  double w = 1.0 / static_cast<double>(1 + counted.size());
  row.self = w;
  for (auto k : counted)
    row.weights[k] = w;
  return row;
}

const schema<round_options>& round_schema() {
  static const auto s = [] {
    using o = round_options;
    schema<o> s;
    s.add<double>(
      "algorithm.period", [](o& x) -> double& { return x.period; },
      "seconds per round (gossip-learning: between sends; dpsgd-periodic: "
      "from one mix-train-send to the next)",
      positive());
    s.add<std::uint64_t>(
      "algorithm.local_steps",
      [](o& x) -> std::uint64_t& { return x.local_steps; },
      "minibatches trained per round", at_least<std::uint64_t>(1));
    return s;
  }();
  return s;
}

async_schedule fixed_rounds(const round_options& o,
                            const round_pacing& pacing) {
  async_schedule a;
  a.period = o.period;
  a.compute_rate = 1 / o.period;
  a.comm_rate = 1 / o.period; // a rejoining agent polls for a model this often
  a.local_steps = o.local_steps;
  a.fanout = pacing.fanout;
  a.sends = pacing.sends;
  a.computes = pacing.computes;
  return a;
}

} // namespace murmur
