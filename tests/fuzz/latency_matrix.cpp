// The site-to-site latency matrix (core/time/traces.cpp):
// network.latency_trace.
#include "core/time/traces.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  murmur::fuzz::parse_file(data, size, [](const std::string& path) {
    auto m = murmur::read_square_matrix(path, "network.latency_trace");
    murmur::fuzz::expect(m.rows() > 0 && m.rows() == m.cols(),
                         "an accepted matrix is square");
    murmur::fuzz::expect(m.allFinite(), "every entry is finite");
  });
  return 0;
}
