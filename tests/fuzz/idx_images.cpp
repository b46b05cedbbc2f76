// IDX image files (core/data/idx.cpp), plain or gzip'ed.
#include "core/data/dataset.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  murmur::fuzz::parse_file(data, size, [](const std::string& path) {
    auto images = murmur::read_idx_images(path);
    murmur::fuzz::expect(images.rows() > 0 && images.cols() > 0,
                         "an accepted file holds images");
    murmur::fuzz::expect(images.minCoeff() >= 0 && images.maxCoeff() <= 1,
                         "pixels are scaled to [0, 1]");
  });
  return 0;
}
