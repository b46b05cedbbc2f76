// IDX image files (core/data/idx.cpp), plain or gzip'ed.
#include "core/data/dataset.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  murmur::fuzz::parse_file(data, size, [](const std::string& path) {
    auto images = murmur::read_idx_images(path);
    auto& pixels = images.pixels;
    murmur::fuzz::expect(pixels.rows() > 0 && pixels.cols() > 0,
                         "an accepted file holds images");
    murmur::fuzz::expect(static_cast<std::size_t>(pixels.cols()) ==
                           images.shape.size(),
                         "each row holds one image of the header's shape");
    murmur::fuzz::expect(pixels.minCoeff() >= 0 && pixels.maxCoeff() <= 1,
                         "pixels are scaled to [0, 1]");
  });
  return 0;
}
