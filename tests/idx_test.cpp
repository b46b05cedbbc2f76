#include "core/base/error.hpp"
#include "core/data/dataset.hpp"

#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <Eigen/QR>
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace murmur;
namespace fs = std::filesystem;

namespace {

using testing::contains;
using testing::error_of;

using bytes = std::vector<unsigned char>;

// A fresh directory per test case, removed afterwards.
struct temp_dir {
  fs::path path;

  temp_dir() {
    static int counter = 0;
    path =
      fs::temp_directory_path() / ("murmur_idx_" + std::to_string(::getpid()) +
                                   "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const {
    return (path / name).string();
  }
};

void put_word(bytes& out, std::uint32_t word) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<unsigned char>(word >> shift));
}

bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                 const bytes& pixels, std::uint32_t magic = 0x803) {
  bytes out;
  for (auto word : {magic, count, rows, cols})
    put_word(out, word);
  out.insert(out.end(), pixels.begin(), pixels.end());
  return out;
}

bytes idx_labels(const bytes& labels, std::uint32_t magic = 0x801) {
  bytes out;
  put_word(out, magic);
  put_word(out, static_cast<std::uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

void write_plain(const std::string& path, const bytes& data) {
  std::ofstream out{path, std::ios::binary};
  out.write(reinterpret_cast<const char*>(data.data()),
            static_cast<std::streamsize>(data.size()));
}

void write_gz(const std::string& path, const bytes& data) {
  gzFile out = gzopen(path.c_str(), "wb");
  REQUIRE(out != nullptr);
  REQUIRE(gzwrite(out, data.data(), static_cast<unsigned>(data.size())) ==
          static_cast<int>(data.size()));
  gzclose(out);
}

bytes read_plain(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

bytes ramp(std::size_t n) {
  bytes out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<unsigned char>((i * 37) % 256);
  return out;
}

void check_images(const row_matrix& m, std::size_t count, std::size_t dim,
                  const bytes& pixels) {
  REQUIRE(m.rows() == static_cast<Eigen::Index>(count));
  REQUIRE(m.cols() == static_cast<Eigen::Index>(dim));
  for (std::size_t i = 0; i < pixels.size(); ++i)
    CHECK(m.data()[i] == static_cast<float>(pixels[i]) / 255.0f);
}

} // namespace

TEST_CASE("idx images round-trip through gzip and plain files") {
  temp_dir dir;
  auto pixels = ramp(3 * 4 * 5);
  pixels[0] = 0;
  pixels[1] = 255;
  auto file = idx_images(3, 4, 5, pixels);
  write_gz(dir.file("a.gz"), file);
  write_plain(dir.file("a"), file);
  auto gz_file = read_idx_images(dir.file("a.gz"));
  auto& gz = gz_file.pixels;
  check_images(gz, 3, 20, pixels);
  check_images(read_idx_images(dir.file("a")).pixels, 3, 20, pixels);
  CHECK(gz_file.shape == sample_shape{1, 4, 5});
  CHECK(gz(0, 0) == 0.0f);
  CHECK(gz(0, 1) == 1.0f);
}

TEST_CASE("idx labels round-trip through gzip and plain files") {
  temp_dir dir;
  bytes labels{0, 9, 3, 3, 7, 255};
  write_gz(dir.file("l.gz"), idx_labels(labels));
  write_plain(dir.file("l"), idx_labels(labels));
  std::vector<std::int32_t> want{0, 9, 3, 3, 7, 255};
  CHECK(read_idx_labels(dir.file("l.gz")) == want);
  CHECK(read_idx_labels(dir.file("l")) == want);
}

TEST_CASE("a large idx file is read completely") {
  temp_dir dir;
  auto pixels = ramp(5000 * 784); // several read chunks
  write_gz(dir.file("big.gz"), idx_images(5000, 28, 28, pixels));
  auto m = read_idx_images(dir.file("big.gz")).pixels;
  REQUIRE(m.rows() == 5000);
  CHECK(m(4999, 783) == static_cast<float>(pixels.back()) / 255.0f);
  CHECK(m(2500, 100) == static_cast<float>(pixels[2500 * 784 + 100]) / 255.0f);
}

TEST_CASE("a missing idx file names the path and the Debian package") {
  temp_dir dir;
  auto path = dir.file("nope.gz");
  auto msg = error_of([&] { read_idx_images(path); });
  CHECK(contains(msg, path));
  CHECK(contains(msg, "not found"));
  CHECK(contains(msg, "dataset-fashion-mnist"));
  CHECK(contains(error_of([&] { read_idx_labels(path); }), path));
}

TEST_CASE("a wrong magic number is rejected") {
  temp_dir dir;
  auto labels = dir.file("labels.gz");
  auto images = dir.file("images.gz");
  write_gz(labels, idx_labels({1, 2, 3}));
  write_gz(images, idx_images(1, 2, 2, ramp(4)));
  auto msg = error_of([&] { read_idx_images(labels); });
  CHECK(contains(msg, labels));
  CHECK(contains(msg, "not an IDX image file (magic 0x00000801"));
  msg = error_of([&] { read_idx_labels(images); });
  CHECK(contains(msg, images));
  CHECK(contains(msg, "not an IDX label file (magic 0x00000803"));
}

TEST_CASE("a truncated payload reports expected and actual sizes") {
  temp_dir dir;
  auto images = dir.file("short.gz");
  write_gz(images, idx_images(3, 2, 3, ramp(12)));
  auto msg = error_of([&] { read_idx_images(images); });
  CHECK(contains(msg, images));
  CHECK(contains(msg, "truncated: expected 18 bytes of pixels, got 12"));
  auto labels = dir.file("short_labels");
  auto file = idx_labels({1, 2, 3, 4});
  file.pop_back();
  write_plain(labels, file);
  msg = error_of([&] { read_idx_labels(labels); });
  CHECK(contains(msg, labels));
  CHECK(contains(msg, "expected 4 bytes of labels, got 3"));
  auto header = dir.file("header_only");
  write_plain(header, {0, 0, 8});
  CHECK(contains(error_of([&] { read_idx_labels(header); }), "truncated"));
}

TEST_CASE("absurd dimensions are rejected") {
  temp_dir dir;
  auto path = dir.file("huge.gz");
  write_gz(path, idx_images(1, 2000, 2000, ramp(16)));
  auto msg = error_of([&] { read_idx_images(path); });
  CHECK(contains(msg, path));
  CHECK(contains(msg, "2000x2000"));
  write_gz(path, idx_images(1, 0, 28, {}));
  CHECK(contains(error_of([&] { read_idx_images(path); }), "0x28"));
  write_gz(path, idx_images(0, 28, 28, {}));
  CHECK(contains(error_of([&] { read_idx_images(path); }), "no images"));
}

TEST_CASE("corrupt gzip data is detected") {
  temp_dir dir;
  auto path = dir.file("bad.gz");
  write_gz(path, idx_images(100, 28, 28, ramp(100 * 784)));
  auto good = read_plain(path);
  SUBCASE("flipped CRC in the trailer") {
    auto file = good;
    file[file.size() - 8] ^= 0xff;
    write_plain(path, file);
    auto msg = error_of([&] { read_idx_images(path); });
    CHECK(contains(msg, path));
    CHECK(contains(msg, "corrupt gzip"));
  }
  SUBCASE("garbage in the deflate stream") {
    auto file = good;
    for (std::size_t i = 20; i < 60 && i < file.size(); ++i)
      file[i] = 0xff;
    write_plain(path, file);
    auto msg = error_of([&] { read_idx_images(path); });
    CHECK(contains(msg, path));
    CHECK(contains(msg, "corrupt gzip"));
  }
  SUBCASE("cut off mid-stream") {
    auto file = good;
    file.resize(file.size() / 2);
    write_plain(path, file);
    CHECK(contains(error_of([&] { read_idx_images(path); }), path));
  }
}

TEST_CASE("load_fashion_mnist validates counts and label range") {
  temp_dir dir;
  auto put = [&](const char* name, const bytes& data) {
    write_gz(dir.file(name), data);
  };
  put("train-images-idx3-ubyte.gz", idx_images(4, 2, 2, ramp(16)));
  put("t10k-images-idx3-ubyte.gz", idx_images(2, 2, 2, ramp(8)));
  put("t10k-labels-idx1-ubyte.gz", idx_labels({9, 0}));
  SUBCASE("matching files load") {
    put("train-labels-idx1-ubyte.gz", idx_labels({0, 1, 2, 9}));
    auto data = load_fashion_mnist(dir.path.string());
    CHECK(data.train.size() == 4);
    CHECK(data.test.size() == 2);
    CHECK(data.train.dim() == 4);
    CHECK(data.train.num_classes == 10);
    CHECK(data.test.labels == std::vector<std::int32_t>{9, 0});
  }
  SUBCASE("count mismatch names both files") {
    put("train-labels-idx1-ubyte.gz", idx_labels({0, 1, 2}));
    auto msg = error_of([&] { load_fashion_mnist(dir.path.string()); });
    CHECK(contains(msg, dir.file("train-images-idx3-ubyte.gz")));
    CHECK(contains(msg, dir.file("train-labels-idx1-ubyte.gz")));
  }
  SUBCASE("label out of range names the file and index") {
    put("train-labels-idx1-ubyte.gz", idx_labels({0, 1, 10, 11}));
    auto msg = error_of([&] { load_fashion_mnist(dir.path.string()); });
    CHECK(contains(msg, dir.file("train-labels-idx1-ubyte.gz")));
    CHECK(contains(msg, "index 2"));
  }
  SUBCASE("a missing directory points at the Debian package") {
    auto msg = error_of([&] { load_fashion_mnist(dir.file("absent")); });
    CHECK(contains(msg, "dataset-fashion-mnist"));
  }
}

TEST_CASE("the real Fashion-MNIST loads") {
  if (!fs::exists(default_fashion_mnist_dir))
    return testing::skip(std::string{default_fashion_mnist_dir} +
                         " is absent (Debian package dataset-fashion-mnist)");
  auto data = load_fashion_mnist(default_fashion_mnist_dir);
  CHECK(data.train.size() == 60000);
  CHECK(data.test.size() == 10000);
  CHECK(data.train.features.rows() == 60000);
  CHECK(data.train.dim() == 784);
  CHECK(data.test.dim() == 784);
  CHECK(data.train.shape == sample_shape{1, 28, 28});
  CHECK(data.test.shape == sample_shape{1, 28, 28});
  CHECK(data.train.num_classes == 10);
  // std::minmax_element: Eigen's AVX-512 reductions trip a false GCC 12
  // -Wmaybe-uninitialized.
  auto& x = data.train.features;
  auto range = std::minmax_element(x.data(), x.data() + x.size());
  CHECK(*range.first == 0.0f);
  CHECK(*range.second == 1.0f);
  std::array<int, 10> train_counts{}, test_counts{};
  for (auto y : data.train.labels) {
    REQUIRE((y >= 0 && y < 10));
    ++train_counts[static_cast<std::size_t>(y)];
  }
  for (auto y : data.test.labels) {
    REQUIRE((y >= 0 && y < 10));
    ++test_counts[static_cast<std::size_t>(y)];
  }
  for (std::size_t c = 0; c < 10; ++c) {
    CHECK(train_counts[c] == 6000);
    CHECK(test_counts[c] == 1000);
  }
}

TEST_CASE("synthetic data is deterministic and well formed") {
  synthetic_spec spec;
  spec.train_size = 500;
  spec.test_size = 200;
  spec.dim = 8;
  spec.num_classes = 3;
  auto a = make_synthetic(spec, 42);
  auto b = make_synthetic(spec, 42);
  auto c = make_synthetic(spec, 43);
  CHECK(a.train.features == b.train.features);
  CHECK(a.train.labels == b.train.labels);
  CHECK(a.test.labels == b.test.labels);
  CHECK(a.train.features != c.train.features);
  CHECK(a.train.size() == 500);
  CHECK(a.test.size() == 200);
  CHECK(a.train.dim() == 8);
  CHECK(a.train.num_classes == 3);
  std::array<int, 3> counts{};
  for (auto y : a.train.labels) {
    REQUIRE((y >= 0 && y < 3));
    ++counts[static_cast<std::size_t>(y)];
  }
  for (auto n : counts)
    CHECK(n > 50); // a random teacher splits Gaussians roughly evenly
  // Growing the training set leaves the teacher (and the test set) alone.
  spec.train_size = 600;
  CHECK(make_synthetic(spec, 42).test.labels == a.test.labels);
}

TEST_CASE("synthetic spec errors name the field") {
  auto msg_for = [](auto edit) {
    synthetic_spec spec;
    edit(spec);
    return error_of([&] { make_synthetic(spec, 1); });
  };
  CHECK(contains(msg_for([](auto& s) { s.dim = 0; }), "data.synthetic.dim"));
  CHECK(contains(msg_for([](auto& s) { s.num_classes = 1; }),
                 "data.synthetic.num_classes"));
  CHECK(contains(msg_for([](auto& s) { s.train_size = 0; }),
                 "data.synthetic.train_size"));
  CHECK(
    contains(msg_for([](auto& s) { s.noise = -1; }), "data.synthetic.noise"));
}

TEST_CASE("synthetic regression: linear targets, quantile-bin labels") {
  synthetic_spec spec;
  spec.train_size = 500;
  spec.test_size = 300;
  spec.dim = 8;
  spec.num_classes = 5;
  spec.noise = 0.1;
  auto a = make_synthetic_regression(spec, 42);
  CHECK(a.train.features == make_synthetic_regression(spec, 42).train.features);
  CHECK(a.train.targets == 1);
  CHECK(a.train.dim() == 9);
  // Train-set quantiles: 5 bins of exactly 100 rows, ordered by target.
  std::array<int, 5> counts{};
  for (auto y : a.train.labels)
    ++counts.at(static_cast<std::size_t>(y));
  CHECK(counts == std::array<int, 5>{100, 100, 100, 100, 100});
  for (std::size_t i = 0; i < a.train.size(); ++i)
    for (std::size_t j = 0; j < a.train.size(); ++j)
      if (a.train.labels[i] < a.train.labels[j])
        REQUIRE(a.train.features(i, 8) <= a.train.features(j, 8));
  // Least squares on the train split explains the test targets up to the
  // noise: R^2 = 1 / (1 + noise^2 / signal variance 1) = 0.990.
  Eigen::MatrixXd x = a.train.features.leftCols(8).cast<double>();
  Eigen::VectorXd y = a.train.features.col(8).cast<double>();
  Eigen::VectorXd w = x.colPivHouseholderQr().solve(y);
  Eigen::MatrixXd xt = a.test.features.leftCols(8).cast<double>();
  Eigen::VectorXd yt = a.test.features.col(8).cast<double>();
  double sse = (xt * w - yt).squaredNorm();
  double sst = (yt.array() - yt.mean()).matrix().squaredNorm();
  CHECK(1 - sse / sst == doctest::Approx(0.99).epsilon(0.01));
}
