#include "core/data/shards.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

namespace murmur {

namespace {

std::vector<std::size_t> shard_offsets(const partition& parts) {
  std::vector<std::size_t> offsets{0};
  for (auto& shard : parts.shards)
    offsets.push_back(offsets.back() + shard.size());
  return offsets;
}

} // namespace

sharded_data make_sharded(const dataset& data, const partition& parts) {
  sharded_data result;
  result.offsets = shard_offsets(parts);
  result.sequential = parts.sequential;
  result.pieces = parts.pieces;
  result.num_classes = data.num_classes;
  auto total = result.offsets.back();
  result.features.resize(static_cast<Eigen::Index>(total),
                         data.features.cols());
  result.labels.resize(total);
  std::size_t row = 0;
  for (auto& shard : parts.shards)
    for (auto i : shard) {
      if (i >= data.size())
        throw input_error("partition: sample " + std::to_string(i) +
                          " is out of range for a data set of " +
                          std::to_string(data.size()));
      auto r = static_cast<Eigen::Index>(row);
      result.features.row(r) = data.features.row(static_cast<Eigen::Index>(i));
      result.labels[row++] = data.labels[i];
    }
  return result;
}

batch_view whole(const dataset& data) {
  return {data.features.data(), data.labels.data(), data.size(), data.dim()};
}

namespace {

void check_agent(const sharded_data& data, std::size_t agent) {
  if (agent >= data.agents())
    throw input_error("batch_stream: agent " + std::to_string(agent) +
                      " of only " + std::to_string(data.agents()));
}

row_range block_rows(const sharded_data& data, std::size_t agent) {
  check_agent(data, agent);
  return {0, data.shard_size(agent)};
}

row_range piece_rows(const sharded_data& data, std::size_t agent,
                     std::size_t piece) {
  check_agent(data, agent);
  if (piece >= data.piece_count(agent))
    throw input_error("batch_stream: piece " + std::to_string(piece) +
                      " of only " + std::to_string(data.piece_count(agent)));
  if (data.pieces.empty())
    return block_rows(data, agent);
  auto& sizes = data.pieces[agent];
  row_range r{0, sizes[piece]};
  for (std::size_t j = 0; j < piece; ++j)
    r.first += sizes[j];
  return r;
}

} // namespace

batch_stream::batch_stream(sharded_data& data, std::size_t agent,
                           std::size_t batch, std::uint64_t seed)
  : batch_stream(data, agent, block_rows(data, agent), batch, seed) {}

batch_stream::batch_stream(sharded_data& data, std::size_t agent,
                           std::size_t piece, std::size_t batch,
                           std::uint64_t seed)
  : batch_stream(data, agent, piece_rows(data, agent, piece), batch, seed) {}

batch_stream::batch_stream(sharded_data& data, std::size_t agent,
                           row_range range, std::size_t batch,
                           std::uint64_t seed)
  : features_(nullptr), labels_(nullptr), rows_(range.count),
    dim_(static_cast<std::size_t>(data.features.cols())), batch_(0),
    sequential_(data.sequential), gen_(seed) {
  if (rows_ == 0)
    throw input_error("partition: agent " + std::to_string(agent) +
                      " holds no samples; use fewer agents or a milder "
                      "partition");
  if (batch == 0)
    throw input_error("batch size: must be >= 1");
  auto start = data.offsets[agent] + range.first;
  features_ = data.features.data() + start * dim_;
  labels_ = data.labels.data() + start;
  batch_ = std::min(batch, rows_);
  shuffle();
}

batch_view batch_stream::next() {
  // Reshuffle only when the next epoch is asked for: the previous view's
  // rows must stay as they were while the caller still uses them.
  if (pos_ + batch_ > rows_) {
    pos_ = 0;
    shuffle();
  }
  batch_view view{features_ + pos_ * dim_, labels_ + pos_, batch_, dim_};
  pos_ += batch_;
  if (pos_ + batch_ > rows_)
    ++epochs_;
  return view;
}

// Fisher-Yates draws a permutation (the same draws and result as swapping
// the rows themselves), then the rows move along the permutation's cycles:
// one row copy per moved row instead of three per swap, which matters because
// these copies cost as much memory traffic as the gradient that reads them.
// The permutation and the held row live only during a shuffle: they are the
// thread's, not the agent's (100,000 agents would each keep them).
void batch_stream::shuffle() {
  if (sequential_)
    return;
  thread_local std::vector<std::uint32_t> order;
  thread_local std::vector<float> held;
  order.resize(rows_);
  held.resize(std::max(held.size(), dim_));
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  for (auto i = rows_; i > 1; --i) {
    std::uniform_int_distribution<std::size_t> pick{0, i - 1};
    std::swap(order[i - 1], order[pick(gen_)]);
  }
  // New row p is old row order[p]; a row is marked done by order[p] = p.
  auto row = [this](std::size_t p) { return features_ + p * dim_; };
  for (std::size_t start = 0; start < rows_; ++start) {
    if (order[start] == start)
      continue;
    std::copy_n(row(start), dim_, held.data());
    auto label = labels_[start];
    auto p = start;
    while (order[p] != start) {
      std::size_t from = order[p];
      std::copy_n(row(from), dim_, row(p));
      labels_[p] = labels_[from];
      order[p] = static_cast<std::uint32_t>(p);
      p = from;
    }
    std::copy_n(held.data(), dim_, row(p));
    labels_[p] = label;
    order[p] = static_cast<std::uint32_t>(p);
  }
}

} // namespace murmur
