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
    auto valid = [](const murmur::bandwidth_stats& b) {
      return b.mean > 0 && std::isfinite(b.mean) && b.sigma >= 0 &&
             std::isfinite(b.sigma);
    };
    for (auto& d : devices)
      murmur::fuzz::expect(valid(d.up) && (!d.down || valid(*d.down)),
                           "up_u and down_u finite and > 0, their sigmas "
                           "finite and >= 0");
  });
  return 0;
}
