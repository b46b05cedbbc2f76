// IDX label files (core/data/idx.cpp), plain or gzip'ed.
#include "core/data/dataset.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  murmur::fuzz::parse_file(data, size, [](const std::string& path) {
    auto labels = murmur::read_idx_labels(path);
    murmur::fuzz::expect(!labels.empty(), "an accepted file holds labels");
    for (auto l : labels)
      murmur::fuzz::expect(l >= 0 && l <= 255, "a label is one byte");
  });
  return 0;
}
