// One-number-per-line traces (core/time/traces.cpp): cost.compute_trace and
// the plain network.capacity_trace.
#include "core/time/traces.hpp"
#include "tests/fuzz/fuzz.hpp"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  murmur::fuzz::parse_file(data, size, [](const std::string& path) {
    auto values = murmur::read_number_column(path, "cost.compute_trace");
    murmur::fuzz::expect(!values.empty(), "an accepted trace has values");
    for (auto v : values)
      murmur::fuzz::expect(v > 0 && std::isfinite(v),
                           "every value is finite and > 0");
  });
  return 0;
}
