#pragma once

#include "core/base/rng.hpp"
#include "core/data/dataset.hpp"
#include "core/data/partition.hpp"

#include <cstdint>
#include <vector>

namespace murmur {

/// Training rows regrouped so that every agent's shard is one contiguous
/// block: a minibatch is then a slice of rows, never a gather.
struct sharded_data {
  row_matrix features;
  std::vector<std::int32_t> labels;
  /// Shard a is rows [offsets[a], offsets[a+1]).
  std::vector<std::size_t> offsets;
  bool sequential = false;
  int num_classes = 0;
  /// Per agent, the sizes of the consecutive pieces (base partitions under
  /// replication) its block is made of; empty: one piece, the whole block.
  std::vector<std::vector<std::size_t>> pieces;

  std::size_t agents() const { return offsets.size() - 1; }
  std::size_t shard_size(std::size_t a) const {
    return offsets[a + 1] - offsets[a];
  }
  std::size_t piece_count(std::size_t a) const {
    return pieces.empty() ? 1 : pieces[a].size();
  }
};

/// Copies the rows of each shard into its block (a sample held by several
/// agents appears several times).
sharded_data make_sharded(const dataset& data, const partition& parts);

/// A minibatch: `rows` consecutive rows of a row-major feature block.
struct batch_view {
  const float* features = nullptr;
  const std::int32_t* labels = nullptr;
  std::size_t rows = 0;
  std::size_t dim = 0;

  const_row_matrix_map x() const {
    return {features, static_cast<Eigen::Index>(rows),
            static_cast<Eigen::Index>(dim)};
  }
};

/// View of a whole dataset as one batch (evaluation).
batch_view whole(const dataset& data);

/// Rows [first, first + count) of one agent's block.
struct row_range {
  std::size_t first = 0;
  std::size_t count = 0;
};

/// One agent's walk over its own block. Each epoch it permutes its block in
/// place (Fisher-Yates on rows; the block belongs to this agent alone) and
/// then hands out consecutive slices of min(batch, shard) rows, dropping the
/// incomplete tail. Sequential shards are never permuted.
class batch_stream {
public:
  /// `seed` seeds this stream's own generator as given: derive it per agent
  /// (e.g. derive_seed(master, stream::sampling, agent)). Throws input_error
  /// for an empty shard or batch == 0. Permutes the block for epoch 0.
  batch_stream(sharded_data& data, std::size_t agent, std::size_t batch,
               std::uint64_t seed);

  /// The same over one piece of the agent's block (piece < piece_count):
  /// it permutes only that piece's rows, so the pieces' streams of one agent
  /// never disturb each other (but must not be mixed with a whole-block
  /// stream of the same agent).
  batch_stream(sharded_data& data, std::size_t agent, std::size_t piece,
               std::size_t batch, std::uint64_t seed);

  /// The next slice. Its rows stay put until the next call that starts a new
  /// epoch (which permutes the block). Never allocates.
  batch_view next();
  std::size_t batch_rows() const { return batch_; }
  /// Epochs completed; counts up as the last batch of an epoch is handed out.
  std::uint64_t epochs() const { return epochs_; }

private:
  /// Rows [first, first + count) of the agent's block.
  batch_stream(sharded_data& data, std::size_t agent, row_range range,
               std::size_t batch, std::uint64_t seed);

  void shuffle();

  float* features_;
  std::int32_t* labels_;
  std::size_t rows_;
  std::size_t dim_;
  std::size_t batch_;
  std::size_t pos_ = 0;
  std::uint64_t epochs_ = 0;
  bool sequential_;
  rng gen_;
};

} // namespace murmur
