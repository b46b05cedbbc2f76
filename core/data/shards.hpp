#pragma once

#include "core/base/rng.hpp"
#include "core/data/dataset.hpp"
#include "core/data/partition.hpp"

#include <cstdint>
#include <vector>

namespace murmur {

/// Row-major bytes: feature rows whose every value is k / 255 for a byte k.
using byte_matrix =
  Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// k / 255 as a float, bit for bit as the data set's loader divides it.
float byte_value(std::uint8_t k);

/// Training rows regrouped so that every agent's shard is one contiguous
/// block: an agent's minibatches read only its own part of memory.
struct sharded_data {
  /// The rows as floats, unless `pixels` holds them.
  row_matrix features;
  /// The rows as bytes k standing for k / 255, when every value of the data
  /// set is one (image pixels as loaded): a quarter of the memory, and of
  /// the memory traffic of every minibatch, which dominates a small model's
  /// step.
  byte_matrix pixels;
  std::vector<std::int32_t> labels;
  /// Shard a is rows [offsets[a], offsets[a+1]).
  std::vector<std::size_t> offsets;
  bool sequential = false;
  int num_classes = 0;
  /// Per agent, the sizes of the consecutive pieces (base partitions under
  /// replication) its block is made of; empty: one piece, the whole block.
  std::vector<std::vector<std::size_t>> pieces;

  std::size_t agents() const { return offsets.size() - 1; }
  std::size_t dim() const {
    return static_cast<std::size_t>(pixels.size() > 0 ? pixels.cols()
                                                      : features.cols());
  }
  /// Bytes of the feature rows.
  std::size_t feature_bytes() const {
    return static_cast<std::size_t>(pixels.size()) +
           sizeof(float) * static_cast<std::size_t>(features.size());
  }
  std::size_t shard_size(std::size_t a) const {
    return offsets[a + 1] - offsets[a];
  }
  std::size_t piece_count(std::size_t a) const {
    return pieces.empty() ? 1 : pieces[a].size();
  }
};

/// Copies the rows of each shard into its block (a sample held by several
/// agents appears several times), as bytes when every value of `data` is
/// k / 255.
sharded_data make_sharded(const dataset& data, const partition& parts);

/// A minibatch: `rows` rows of a row-major feature block and their labels,
/// either consecutive floats, or picked by `order` from an agent's block
/// of floats or bytes (a stream's minibatch: its rows are read where they
/// lie, never moved).
struct batch_view {
  const float* features = nullptr;
  const std::int32_t* labels = nullptr;
  std::size_t rows = 0;
  std::size_t dim = 0;
  /// Row i of the batch is row order[i] of the block and of `labels`; null:
  /// row i.
  const std::uint32_t* order = nullptr;
  /// The block as bytes k standing for k / 255 (`features` is then null).
  const std::uint8_t* pixels = nullptr;

  /// Consecutive float rows, which x() views as one matrix.
  bool is_matrix() const { return order == nullptr && pixels == nullptr; }
  std::size_t index(std::size_t i) const { return order ? order[i] : i; }
  std::int32_t label(std::size_t i) const { return labels[index(i)]; }
  /// Bytes of one stored row, and where row i starts.
  std::size_t row_bytes() const {
    return dim * (pixels != nullptr ? 1 : sizeof(float));
  }
  const char* row_start(std::size_t i) const {
    return (pixels != nullptr ? reinterpret_cast<const char*>(pixels)
                              : reinterpret_cast<const char*>(features)) +
           index(i) * row_bytes();
  }
  /// Rows [first, first + count) of this batch.
  batch_view slice(std::size_t first, std::size_t count) const;
  const_row_matrix_map x() const; ///< is_matrix() batches only
};

/// Writes the batch's feature rows, in batch order and as floats, to `to`
/// (rows x dim).
void gather_rows(const batch_view& b, float* to);

/// The batch itself when is_matrix(), else its rows and labels gathered
/// into storage of the calling thread, valid until that thread's next call.
batch_view matrix_rows(const batch_view& b);

/// View of a whole dataset as one batch (evaluation).
batch_view whole(const dataset& data);

/// Rows [first, first + count) of one agent's block.
struct row_range {
  std::size_t first = 0;
  std::size_t count = 0;
};

/// One agent's walk over its own block. Each epoch it permutes the order in
/// which it visits the block's rows (Fisher-Yates, continuing from the
/// previous epoch's order) and then hands out consecutive slices of
/// min(batch, shard) rows of that order, dropping the incomplete tail. The
/// rows themselves never move: a minibatch is read where it lies.
/// Sequential shards are walked in stored order.
class batch_stream {
public:
  /// `seed` seeds this stream's own generator as given: derive it per agent
  /// (e.g. derive_seed(master, stream::sampling, agent)). Throws input_error
  /// for an empty shard or batch == 0. Permutes the block for epoch 0.
  batch_stream(const sharded_data& data, std::size_t agent, std::size_t batch,
               std::uint64_t seed);

  /// The same over one piece of the agent's block (piece < piece_count):
  /// it visits only that piece's rows.
  batch_stream(const sharded_data& data, std::size_t agent, std::size_t piece,
               std::size_t batch, std::uint64_t seed);

  /// The next slice. Its order stays valid until the next call that starts
  /// a new epoch (which permutes the order). Never allocates.
  batch_view next();
  std::size_t batch_rows() const { return batch_; }
  /// Epochs completed; counts up as the last batch of an epoch is handed out.
  std::uint64_t epochs() const { return epochs_; }

private:
  /// Rows [first, first + count) of the agent's block.
  batch_stream(const sharded_data& data, std::size_t agent, row_range range,
               std::size_t batch, std::uint64_t seed);

  void shuffle();

  batch_view block_; ///< the whole range, in stored order (no `order`)
  /// The visiting order of this epoch (4 bytes per row); empty for
  /// sequential shards.
  std::vector<std::uint32_t> order_;
  std::size_t batch_;
  std::size_t pos_ = 0;
  std::uint64_t epochs_ = 0;
  rng gen_;
};

} // namespace murmur
