#include "core/data/partition.hpp"

#include "core/base/error.hpp"
#include "core/base/registry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

// The Dirichlet split of RelaySGD (epfml/relaysgd,
// tasks/utils/non_iid_dirichlet.py, after Tao Lin): workers are handled in
// groups of ten, each group owning a contiguous chunk of the shuffled set,
// and a group is redrawn until every worker holds half its fair share.

namespace murmur {

namespace {

using shard_list = std::vector<std::vector<std::size_t>>;

constexpr std::size_t group_size = 10;
constexpr int max_attempts = 1000;

struct group_task {
  std::vector<std::vector<std::size_t>> by_class; // chunk indices per class
  std::size_t chunk = 0;                          // samples in the group
  std::size_t workers = 0;
  double alpha = 1;
};

// Dir(alpha) over the eligible workers, written to p. For small alpha the
// gamma variates underflow to 0 (a whole class could vanish), so they are
// drawn in log space via Gamma(a) = Gamma(a + 1) * U^(1/a).
void draw_proportions(const group_task& task, const shard_list& held, rng& gen,
                      std::vector<double>& p) {
  std::gamma_distribution<double> gamma{task.alpha + 1, 1};
  std::uniform_real_distribution<double> unit{0, 1};
  auto lowest = -std::numeric_limits<double>::infinity();
  auto top = lowest;
  for (std::size_t j = 0; j < task.workers; ++j) {
    auto u = 1 - unit(gen); // in (0, 1]
    auto log_g = std::log(gamma(gen)) + std::log(u) / task.alpha;
    // RelaySGD's balancing: full workers take no more of this class.
    bool full = held[j].size() * task.workers >= task.chunk;
    p[j] = full ? lowest : log_g;
    top = std::max(top, p[j]);
  }
  double sum = 0;
  for (auto& x : p)
    sum += x = top == lowest ? 1 : std::exp(x - top);
  for (auto& x : p)
    x /= sum;
}

// Hands out one class: worker j gets the slice between the truncated
// cumulative proportions j-1 and j; the last worker takes the rest.
void deal_class(const std::vector<std::size_t>& idx,
                const std::vector<double>& p, shard_list& held) {
  double cumulative = 0;
  std::size_t from = 0;
  for (std::size_t j = 0; j < held.size(); ++j) {
    cumulative += p[j];
    auto cut = cumulative * static_cast<double>(idx.size());
    auto to = j + 1 == held.size()
                ? idx.size()
                : std::min(idx.size(), static_cast<std::size_t>(cut));
    to = std::max(to, from);
    held[j].insert(held[j].end(), idx.begin() + from, idx.begin() + to);
    from = to;
  }
}

bool try_group(const group_task& task, rng& gen, shard_list& held) {
  held.assign(task.workers, {});
  std::vector<double> p(task.workers);
  for (auto& idx : task.by_class) {
    draw_proportions(task, held, gen, p);
    deal_class(idx, p, held);
  }
  auto least = task.chunk / (2 * task.workers);
  return std::all_of(held.begin(), held.end(),
                     [&](auto& shard) { return shard.size() >= least; });
}

[[noreturn]] void fail(const group_task& task, int num_classes) {
  std::ostringstream msg;
  msg << "partition.alpha: the dirichlet split (alpha " << task.alpha << ", "
      << num_classes << " classes) found no draw giving each of "
      << task.workers << " agents at least " << task.chunk / (2 * task.workers)
      << " samples in " << max_attempts
      << " attempts; raise partition.alpha (e.g. 0.1)";
  throw input_error(msg.str());
}

shard_list split_group(const group_task& task, int num_classes, rng& gen) {
  shard_list held;
  for (int attempt = 0; attempt < max_attempts; ++attempt)
    if (try_group(task, gen, held))
      return held;
  fail(task, num_classes);
}

group_task make_task(const std::vector<std::int32_t>& labels,
                     const std::vector<std::size_t>& order, std::size_t from,
                     std::size_t to, int num_classes) {
  group_task task;
  task.by_class.resize(static_cast<std::size_t>(num_classes));
  for (auto i = from; i < to; ++i)
    task.by_class[static_cast<std::size_t>(labels[order[i]])].push_back(
      order[i]);
  task.chunk = to - from;
  return task;
}

partition partition_dirichlet(const std::vector<std::int32_t>& labels,
                              int num_classes, std::size_t agents,
                              const partition_spec& spec, std::uint64_t seed) {
  rng gen{seed};
  auto order = shuffled_indices(labels.size(), gen);
  // Same floating-point expression as the reference, so chunk borders match.
  auto step = static_cast<std::size_t>(static_cast<double>(group_size) /
                                       static_cast<double>(agents) *
                                       static_cast<double>(labels.size()));
  partition result;
  std::size_t from = 0;
  for (std::size_t first = 0; first < agents; first += group_size) {
    bool last = first + group_size >= agents;
    auto to = last ? labels.size() : from + step;
    auto task = make_task(labels, order, from, to, num_classes);
    task.workers = std::min(group_size, agents - first);
    task.alpha = spec.alpha;
    for (auto& shard : split_group(task, num_classes, gen))
      result.shards.push_back(std::move(shard));
    from = to;
  }
  return result;
}

const bool registered = registry<partitioner>::add(
  "dirichlet", &partition_dirichlet,
  "RelaySGD's Dir(alpha) label skew (groups of 10 agents); small alpha = "
  "strong skew");

} // namespace

} // namespace murmur
