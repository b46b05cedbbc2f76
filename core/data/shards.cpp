#include "core/data/shards.hpp"

#include "core/base/error.hpp"
#include "core/base/memory.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
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

float byte_value(std::uint8_t k) {
  // k * (1/255) rounded, then one correction step: equal to the correctly
  // rounded k / 255.0f for every byte (checked exhaustively by the tests),
  // at the cost of a multiply and two fused multiply-adds instead of a
  // division.
  constexpr float inverse = 1.0f / 255.0f;
  const auto x = static_cast<float>(k);
  const float q = x * inverse;
  return std::fma(std::fma(-q, 255.0f, x), inverse, q);
}

namespace {

std::uint8_t nearest_byte(float v) {
  return static_cast<std::uint8_t>(v * 255.0f + 0.5f);
}

// Whether every value is k / 255 for a byte k, as the IDX loader makes them.
bool all_bytes(const dataset& data) {
  const float* v = data.features.data();
  const auto n = static_cast<std::size_t>(data.features.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!(v[i] >= 0.0f && v[i] <= 1.0f))
      return false;
    if (byte_value(nearest_byte(v[i])) != v[i])
      return false;
  }
  return n > 0;
}

template <class Matrix, class Convert>
void copy_shards(const dataset& data, const partition& parts, Matrix& to,
                 std::vector<std::int32_t>& labels, Convert convert) {
  to.resize(static_cast<Eigen::Index>(labels.size()), data.features.cols());
  advise_huge_pages(to.data(),
                    sizeof(*to.data()) * static_cast<std::size_t>(to.size()));
  std::size_t row = 0;
  for (auto& shard : parts.shards)
    for (auto i : shard) {
      if (i >= data.size())
        throw input_error("partition: sample " + std::to_string(i) +
                          " is out of range for a data set of " +
                          std::to_string(data.size()));
      const float* from = data.features.data() + i * data.dim();
      std::transform(from, from + data.dim(), to.data() + row * data.dim(),
                     convert);
      labels[row++] = data.labels[i];
    }
}

} // namespace

sharded_data make_sharded(const dataset& data, const partition& parts) {
  sharded_data result;
  result.offsets = shard_offsets(parts);
  result.sequential = parts.sequential;
  result.pieces = parts.pieces;
  result.num_classes = data.num_classes;
  result.labels.resize(result.offsets.back());
  if (all_bytes(data))
    copy_shards(data, parts, result.pixels, result.labels, nearest_byte);
  else
    copy_shards(data, parts, result.features, result.labels,
                [](float v) { return v; });
  return result;
}

batch_view whole(const dataset& data) {
  return {data.features.data(), data.labels.data(), data.size(), data.dim()};
}

batch_view batch_view::slice(std::size_t first, std::size_t count) const {
  auto part = *this;
  part.rows = count;
  if (order != nullptr) {
    part.order += first;
  } else {
    part.labels += first;
    if (pixels != nullptr)
      part.pixels += first * dim;
    else
      part.features += first * dim;
  }
  return part;
}

const_row_matrix_map batch_view::x() const {
  assert(is_matrix());
  return {features, static_cast<Eigen::Index>(rows),
          static_cast<Eigen::Index>(dim)};
}

namespace {

// Rows ahead whose cache lines are fetched while the current row is
// converted: a minibatch's rows lie anywhere in the block, so each one
// starts with a cache miss that only requests issued early hide.
constexpr std::size_t rows_ahead = 2;

// Always inlined: GCC 12 takes a function that only prefetches for one
// without effects and deletes the calls.
[[gnu::always_inline]] inline void prefetch_row(const batch_view& b,
                                                std::size_t i) {
  if (i >= b.rows)
    return;
  const char* at = b.row_start(i);
  for (std::size_t line = 0; line < b.row_bytes(); line += 64)
    __builtin_prefetch(at + line);
}

} // namespace

void gather_rows(const batch_view& b, float* to) {
  for (std::size_t i = 0; i < std::min(rows_ahead, b.rows); ++i)
    prefetch_row(b, i);
  for (std::size_t i = 0; i < b.rows; ++i, to += b.dim) {
    prefetch_row(b, i + rows_ahead);
    const auto r = b.index(i) * b.dim;
    if (b.pixels != nullptr)
      std::transform(b.pixels + r, b.pixels + r + b.dim, to, byte_value);
    else
      std::copy_n(b.features + r, b.dim, to);
  }
}

batch_view matrix_rows(const batch_view& b) {
  if (b.is_matrix())
    return b;
  thread_local std::vector<float> features;
  thread_local std::vector<std::int32_t> labels;
  features.resize(b.rows * b.dim);
  labels.resize(b.rows);
  gather_rows(b, features.data());
  for (std::size_t i = 0; i < b.rows; ++i)
    labels[i] = b.label(i);
  return {features.data(), labels.data(), b.rows, b.dim};
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

batch_stream::batch_stream(const sharded_data& data, std::size_t agent,
                           std::size_t batch, std::uint64_t seed)
  : batch_stream(data, agent, block_rows(data, agent), batch, seed) {}

batch_stream::batch_stream(const sharded_data& data, std::size_t agent,
                           std::size_t piece, std::size_t batch,
                           std::uint64_t seed)
  : batch_stream(data, agent, piece_rows(data, agent, piece), batch, seed) {}

batch_stream::batch_stream(const sharded_data& data, std::size_t agent,
                           row_range range, std::size_t batch,
                           std::uint64_t seed)
  : batch_(0), gen_(seed) {
  const auto rows = range.count;
  if (rows == 0)
    throw input_error("partition: agent " + std::to_string(agent) +
                      " holds no samples; use fewer agents or a milder "
                      "partition");
  if (batch == 0)
    throw input_error("batch size: must be >= 1");
  if (rows > std::numeric_limits<std::uint32_t>::max())
    throw input_error("partition: agent " + std::to_string(agent) +
                      " holds more than 2^32 samples; use more agents");
  const auto start = data.offsets[agent] + range.first;
  const auto dim = data.dim();
  block_.labels = data.labels.data() + start;
  block_.rows = rows;
  block_.dim = dim;
  if (data.pixels.size() > 0)
    block_.pixels = data.pixels.data() + start * dim;
  else
    block_.features = data.features.data() + start * dim;
  batch_ = std::min(batch, rows);
  if (!data.sequential) {
    order_.resize(rows);
    std::iota(order_.begin(), order_.end(), std::uint32_t{0});
  }
  shuffle();
}

batch_view batch_stream::next() {
  // Reshuffle only when the next epoch is asked for: the previous view's
  // order must stay as it was while the caller still uses it.
  if (pos_ + batch_ > block_.rows) {
    pos_ = 0;
    shuffle();
  }
  auto block = block_;
  block.order = order_.empty() ? nullptr : order_.data();
  auto view = block.slice(pos_, batch_);
  pos_ += batch_;
  if (pos_ + batch_ > block_.rows)
    ++epochs_;
  return view;
}

// Fisher-Yates over the previous epoch's order: the same draws, and the same
// sequence of rows, as shuffling the rows themselves in place, without
// moving 4 * dim bytes per row.
void batch_stream::shuffle() {
  for (auto i = order_.size(); i > 1; --i) {
    std::uniform_int_distribution<std::size_t> pick{0, i - 1};
    std::swap(order_[i - 1], order_[pick(gen_)]);
  }
}

} // namespace murmur
