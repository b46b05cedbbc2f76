// The FedScale/FLASH device bandwidth JSON (core/time/traces.cpp):
// network.capacity_trace ending in .json.
#include "core/time/traces.hpp"
#include "tests/fuzz/fuzz.hpp"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  murmur::fuzz::parse_file(data, size, [](const std::string& path) {
    auto devices = murmur::read_bandwidth_json(path, "network.capacity_trace");
    murmur::fuzz::expect(!devices.empty(), "an accepted file has devices");
    for (auto& d : devices)
      murmur::fuzz::expect(d.mean > 0 && std::isfinite(d.mean) &&
                             d.sigma >= 0 && std::isfinite(d.sigma),
                           "up_u is finite and > 0, up_sigma finite and >= 0");
  });
  return 0;
}
