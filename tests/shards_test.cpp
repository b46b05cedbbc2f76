#include "core/base/error.hpp"
#include "core/data/shards.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace murmur;

namespace {

constexpr int classes = 3;

// n rows of three features, row i being row_of(i), with label i % 3.
template <class RowOf>
dataset rows(std::size_t n, RowOf row_of) {
  dataset data;
  data.features.resize(static_cast<Eigen::Index>(n), 3);
  data.labels.resize(n);
  data.num_classes = classes;
  for (std::size_t i = 0; i < n; ++i) {
    const std::array<float, 3> row = row_of(static_cast<float>(i));
    for (Eigen::Index j = 0; j < 3; ++j)
      data.features(static_cast<Eigen::Index>(i), j) =
        row[static_cast<std::size_t>(j)];
    data.labels[i] = static_cast<std::int32_t>(i % classes);
  }
  return data;
}

// Row i is (i, -i, i + 0.5), so a row identifies itself.
dataset numbered(std::size_t n) {
  return rows(n, [](float v) { return std::array{v, -v, v + 0.5f}; });
}

// Row i holds bytes (i, 3i + 1, 255 - i) / 255, as an image loader makes
// them.
dataset pixel_rows(std::size_t n) {
  return rows(n, [](float k) {
    return std::array{k / 255.0f, std::fmod(3 * k + 1, 256.0f) / 255.0f,
                      (255 - k) / 255.0f};
  });
}

float value(const batch_view& b, std::size_t r, Eigen::Index col) {
  return matrix_rows(b).x()(static_cast<Eigen::Index>(r), col);
}

std::size_t id_of(const batch_view& b, std::size_t r) {
  return static_cast<std::size_t>(value(b, r, 0));
}

// The row comes with its own label and coordinates.
void check_intact(const batch_view& b) {
  for (std::size_t r = 0; r < b.rows; ++r) {
    auto id = id_of(b, r);
    auto v = static_cast<float>(id);
    CHECK(value(b, r, 1) == -v);
    CHECK(value(b, r, 2) == v + 0.5f);
    CHECK(b.label(r) == static_cast<std::int32_t>(id % classes));
  }
}

// Three agents: 12 rows, 7 rows, 5 rows.
partition three_shards() {
  partition p;
  p.shards = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
              {12, 13, 14, 15, 16, 17, 18},
              {19, 20, 21, 22, 23}};
  return p;
}

std::vector<std::size_t> ids_of_epoch(batch_stream& s, std::size_t batches) {
  std::vector<std::size_t> ids;
  for (std::size_t k = 0; k < batches; ++k) {
    auto b = s.next();
    for (std::size_t r = 0; r < b.rows; ++r)
      ids.push_back(id_of(b, r));
  }
  return ids;
}

} // namespace

TEST_CASE("make_sharded lays shards out contiguously in agent order") {
  auto data = numbered(10);
  partition p;
  p.shards = {{4, 1}, {}, {7, 4, 9}};
  p.sequential = true;
  auto s = make_sharded(data, p);
  CHECK(s.agents() == 3);
  CHECK(s.offsets == std::vector<std::size_t>{0, 2, 2, 5});
  CHECK(s.shard_size(1) == 0);
  CHECK(s.sequential);
  CHECK(s.num_classes == classes);
  std::vector<std::size_t> order{4, 1, 7, 4, 9};
  for (std::size_t r = 0; r < order.size(); ++r) {
    auto i = static_cast<Eigen::Index>(r);
    CHECK(s.features.row(i) ==
          data.features.row(static_cast<Eigen::Index>(order[r])));
    CHECK(s.labels[r] == data.labels[order[r]]);
  }
  p.shards = {{10}};
  CHECK_THROWS_AS(make_sharded(data, p), input_error);
}

TEST_CASE("whole views the entire data set") {
  auto data = numbered(6);
  auto b = whole(data);
  CHECK(b.rows == 6);
  CHECK(b.dim == 3);
  CHECK(b.features == data.features.data());
  CHECK(b.labels == data.labels.data());
  CHECK(b.x() == data.features);
}

TEST_CASE("one epoch visits each row of the shard exactly once") {
  auto data = make_sharded(numbered(24), three_shards());
  batch_stream s{data, 0, 4, 99};
  CHECK(s.batch_rows() == 4);
  for (std::uint64_t epoch = 0; epoch < 4; ++epoch) {
    CHECK(s.epochs() == epoch);
    auto ids = ids_of_epoch(s, 3);
    CHECK(s.epochs() == epoch + 1);
    std::sort(ids.begin(), ids.end());
    std::vector<std::size_t> want(12);
    for (std::size_t i = 0; i < 12; ++i)
      want[i] = i;
    CHECK(ids == want);
  }
}

TEST_CASE("batches read the agent's own rows where they lie") {
  auto data = make_sharded(numbered(24), three_shards());
  auto before = data;
  const float* begin = data.features.data() + 12 * 3;
  const float* end = begin + 7 * 3;
  batch_stream s{data, 1, 3, 5}; // 7 rows: two batches, tail of 1 dropped
  std::vector<std::size_t> seen;
  for (int k = 0; k < 20; ++k) {
    auto b = s.next();
    REQUIRE(b.rows == 3);
    CHECK_FALSE(b.is_matrix());
    CHECK(b.features == begin);
    CHECK(b.labels == data.labels.data() + 12);
    for (std::size_t r = 0; r < b.rows; ++r) {
      CHECK(b.features + b.index(r) * b.dim >= begin);
      CHECK(b.features + (b.index(r) + 1) * b.dim <= end);
    }
    check_intact(b);
    for (std::size_t r = 0; r < b.rows; ++r) {
      CHECK(id_of(b, r) >= 12);
      CHECK(id_of(b, r) < 19);
      seen.push_back(id_of(b, r));
    }
    if (k % 2 == 1) { // an epoch never repeats a row
      auto last = std::vector<std::size_t>(seen.end() - 6, seen.end());
      std::sort(last.begin(), last.end());
      CHECK(std::adjacent_find(last.begin(), last.end()) == last.end());
    }
  }
  CHECK(s.epochs() == 10);
  // No row ever moves.
  CHECK(data.features == before.features);
  CHECK(data.labels == before.labels);
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  CHECK(seen.size() == 7); // the dropped tail differs between epochs
}

TEST_CASE("the block is shuffled from the first epoch on") {
  auto data = make_sharded(numbered(24), three_shards());
  batch_stream s{data, 0, 12, 3};
  auto view = s.next();
  CHECK(s.epochs() == 1);
  std::vector<std::size_t> first;
  for (std::size_t r = 0; r < view.rows; ++r)
    first.push_back(id_of(view, r));
  auto second = ids_of_epoch(s, 1);
  CHECK_FALSE(std::is_sorted(first.begin(), first.end()));
  CHECK(first != second);
}

TEST_CASE("the shuffle is Fisher-Yates by row swaps, epoch after epoch") {
  // Reference: the textbook in-place shuffle of the block's row ids, drawing
  // from the same generator, each epoch from the previous one's order; the
  // stream's batches must visit the rows in exactly that order.
  auto data = make_sharded(numbered(24), three_shards());
  batch_stream s{data, 0, 12, 11}; // one batch = one epoch of 12 rows
  rng gen{11};
  std::vector<std::size_t> want(12);
  std::iota(want.begin(), want.end(), std::size_t{0});
  for (int epoch = 0; epoch < 5; ++epoch) {
    for (auto i = want.size(); i > 1; --i) {
      std::uniform_int_distribution<std::size_t> pick{0, i - 1};
      std::swap(want[i - 1], want[pick(gen)]);
    }
    auto b = s.next();
    std::vector<std::size_t> got;
    for (std::size_t r = 0; r < b.rows; ++r)
      got.push_back(id_of(b, r));
    check_intact(b);
    CHECK(got == want);
  }
}

TEST_CASE("sequential shards are walked in stored order") {
  auto p = three_shards();
  p.sequential = true;
  auto data = make_sharded(numbered(24), p);
  auto before = data.features;
  batch_stream s{data, 0, 5, 1}; // 12 rows: slices 0-4, 5-9, then wrap
  std::vector<std::size_t> ids;
  for (int k = 0; k < 6; ++k) {
    auto b = s.next();
    CHECK(b.is_matrix());
    for (std::size_t r = 0; r < b.rows; ++r)
      ids.push_back(id_of(b, r));
  }
  std::vector<std::size_t> want;
  for (int epoch = 0; epoch < 3; ++epoch)
    for (std::size_t i = 0; i < 10; ++i)
      want.push_back(i);
  CHECK(ids == want);
  CHECK(s.epochs() == 3);
  CHECK(data.features == before);
}

TEST_CASE("same seed gives the same batches, another seed others") {
  auto run = [](std::uint64_t seed) {
    auto data = make_sharded(numbered(24), three_shards());
    batch_stream s{data, 0, 4, seed};
    return ids_of_epoch(s, 9);
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("batch size is capped by the shard and must be positive") {
  auto data = make_sharded(numbered(24), three_shards());
  batch_stream s{data, 2, 64, 1};
  CHECK(s.batch_rows() == 5);
  auto b = s.next();
  CHECK(b.rows == 5);
  check_intact(b);
  CHECK_THROWS_AS(batch_stream(data, 2, 0, 1), input_error);
  partition p;
  p.shards = {{0, 1}, {}};
  auto empty = make_sharded(numbered(4), p);
  CHECK_THROWS_AS(batch_stream(empty, 1, 1, 1), input_error);
}

TEST_CASE("byte_value is the correctly rounded k / 255 for every byte") {
  for (int k = 0; k < 256; ++k) {
    volatile float x = static_cast<float>(k); // no constant folding
    CHECK(byte_value(static_cast<std::uint8_t>(k)) == x / 255.0f);
  }
}

TEST_CASE("pixel data is held as bytes and read back as the same floats") {
  auto data = pixel_rows(24);
  auto sharded = make_sharded(data, three_shards());
  CHECK(sharded.features.size() == 0);
  REQUIRE(sharded.pixels.rows() == 24);
  CHECK(sharded.dim() == 3);
  CHECK(sharded.feature_bytes() == 24 * 3);
  batch_stream s{sharded, 1, 3, 5};
  for (int k = 0; k < 8; ++k) {
    auto b = s.next();
    CHECK(b.features == nullptr);
    auto x = matrix_rows(b).x();
    for (std::size_t r = 0; r < b.rows; ++r) {
      auto id = static_cast<Eigen::Index>(
        std::lround(x(static_cast<Eigen::Index>(r), 0) * 255));
      CHECK(id >= 12);
      CHECK(id < 19);
      // Bit for bit the loader's floats, and the row's own label.
      CHECK(x.row(static_cast<Eigen::Index>(r)) == data.features.row(id));
      CHECK(b.label(r) == data.labels[static_cast<std::size_t>(id)]);
    }
  }
}

TEST_CASE("one value that is no byte over 255 keeps the rows as floats") {
  auto data = pixel_rows(24);
  data.features(5, 1) = 0.3f; // 76.5 / 255
  auto sharded = make_sharded(data, three_shards());
  CHECK(sharded.pixels.size() == 0);
  CHECK(sharded.features.rows() == 24);
  CHECK(sharded.feature_bytes() == 24 * 3 * sizeof(float));
  data.features(5, 1) = 256.0f / 255.0f; // in [0, 1.004), not a byte
  CHECK(make_sharded(data, three_shards()).pixels.size() == 0);
}
