// Availability traces (core/time/availability.cpp): churn.trace.
#include "core/time/availability.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  murmur::fuzz::parse_file(data, size, [](const std::string& path) {
    auto trace = murmur::read_availability(path, "churn.trace");
    murmur::fuzz::expect(!trace.online.empty(), "an accepted trace has agents");
    for (auto& [id, intervals] : trace.online) {
      murmur::fuzz::expect(id < trace.ids, "ids are below the id count");
      for (std::size_t k = 0; k < intervals.size(); ++k) {
        auto& iv = intervals[k];
        murmur::fuzz::expect(iv.start >= 0 && iv.end > iv.start,
                             "an interval starts at >= 0 and is not empty");
        murmur::fuzz::expect(k == 0 || intervals[k - 1].end <= iv.start,
                             "an agent's intervals are in order, disjoint");
      }
    }
  });
  return 0;
}
