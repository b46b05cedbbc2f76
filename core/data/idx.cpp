#include "core/base/error.hpp"
#include "core/data/dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iomanip>
#include <sstream>

namespace murmur {

namespace {

constexpr std::uint32_t image_magic = 0x00000803;
constexpr std::uint32_t label_magic = 0x00000801;
constexpr std::size_t max_pixels = 1000000;
constexpr std::size_t chunk_bytes = std::size_t{1} << 20;
constexpr std::size_t first_payload_bytes = std::size_t{64} << 10;
// zlib's buffer: 64 KiB inflates Fashion-MNIST's 47 MB as fast as 1 MiB does
// (0.43 s, measured), and a small file does not pay for a big one.
constexpr unsigned gz_buffer_bytes = 64u << 10;

// gzread also reads plain files, so one reader serves .gz and raw IDX.
class gz_reader {
public:
  explicit gz_reader(std::string path) : path_(std::move(path)) {
    errno = 0;
    file_ = gzopen(path_.c_str(), "rb");
    if (file_ == nullptr && errno == ENOENT)
      fail("not found; install the Debian package dataset-fashion-mnist or "
           "set data.path");
    if (file_ == nullptr)
      fail(std::string{"cannot open ("} + std::strerror(errno) + ")");
    gzbuffer(file_, gz_buffer_bytes);
  }

  gz_reader(const gz_reader&) = delete;
  gz_reader& operator=(const gz_reader&) = delete;

  ~gz_reader() { gzclose(file_); }

  /// Reads up to n bytes, fewer only at end of file.
  std::size_t read(unsigned char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      auto want = static_cast<unsigned>(std::min(n - done, chunk_bytes));
      auto got = gzread(file_, out + done, want);
      if (got < 0)
        corrupt();
      if (got == 0)
        break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  /// Reads exactly n bytes of `what`, or throws naming what was missing.
  void read_exactly(unsigned char* out, std::size_t n, const char* what) {
    auto got = read(out, n);
    if (got < n)
      truncated(n, got, what);
  }

  /// Big-endian 32-bit header word.
  std::uint32_t read_word() {
    unsigned char b[4];
    read_exactly(b, 4, "header");
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 |
           std::uint32_t{b[2]} << 8 | std::uint32_t{b[3]};
  }

  /// Payload bytes, in a buffer that doubles as the bytes arrive, so that a
  /// lying header cannot make us allocate more than twice what the file
  /// actually holds.
  std::vector<unsigned char> read_payload(std::size_t n, const char* what) {
    std::vector<unsigned char> bytes;
    std::size_t done = 0;
    while (done < n) {
      auto step = std::min(n - done, std::max(first_payload_bytes, done));
      bytes.resize(done + step);
      auto got = read(bytes.data() + done, step);
      done += got;
      if (got < step)
        truncated(n, done, what);
    }
    check_trailer();
    return bytes;
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw input_error(path_ + ": " + why);
  }

private:
  // Reading past the payload makes zlib verify the gzip CRC; trailing
  // bytes themselves are tolerated.
  void check_trailer() {
    unsigned char extra;
    if (gzread(file_, &extra, 1) < 0)
      corrupt();
  }

  [[noreturn]] void corrupt() {
    int code = 0;
    const char* msg = gzerror(file_, &code);
    fail(std::string{"corrupt gzip data ("} + (msg ? msg : "?") + ")");
  }

  [[noreturn]] void truncated(std::size_t want, std::size_t got,
                              const char* what) const {
    fail("truncated: expected " + std::to_string(want) + " bytes of " + what +
         ", got " + std::to_string(got));
  }

  std::string path_;
  gzFile file_ = nullptr;
};

void check_magic(gz_reader& in, std::uint32_t want, const char* kind) {
  auto magic = in.read_word();
  if (magic != want) {
    std::ostringstream msg;
    msg << "not an IDX " << kind << " file (magic 0x" << std::hex
        << std::setfill('0') << std::setw(8) << magic << ", expected 0x"
        << std::setw(8) << want << ")";
    in.fail(msg.str());
  }
}

std::size_t read_count(gz_reader& in, const char* what) {
  auto count = in.read_word();
  if (count == 0)
    in.fail(std::string{"holds no "} + what);
  return count;
}

} // namespace

idx_image_set read_idx_images(const std::string& path) {
  gz_reader in{path};
  check_magic(in, image_magic, "image");
  auto count = read_count(in, "images");
  std::size_t rows = in.read_word();
  std::size_t cols = in.read_word();
  if (rows == 0 || cols == 0 || rows * cols > max_pixels)
    in.fail("implausible image size " + std::to_string(rows) + "x" +
            std::to_string(cols));
  auto dim = rows * cols;
  auto bytes = in.read_payload(count * dim, "pixels");
  using byte_matrix = Eigen::Matrix<unsigned char, Eigen::Dynamic,
                                    Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const byte_matrix> raw{bytes.data(),
                                    static_cast<Eigen::Index>(count),
                                    static_cast<Eigen::Index>(dim)};
  return {raw.cast<float>() / 255.0f,
          {1, static_cast<int>(rows), static_cast<int>(cols)}};
}

std::vector<std::int32_t> read_idx_labels(const std::string& path) {
  gz_reader in{path};
  check_magic(in, label_magic, "label");
  auto count = read_count(in, "labels");
  auto bytes = in.read_payload(count, "labels");
  return {bytes.begin(), bytes.end()};
}

} // namespace murmur
