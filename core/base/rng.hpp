#pragma once

#include <cstdint>
#include <random>

namespace murmur {

/// Every random stream in murmur is one of these, owned by whoever draws from
/// it (an agent, a partitioner, a topology); there is no global generator.
using rng = std::mt19937_64;

/// Mixes a master seed with a stream tag and an index (e.g. an agent id) into
/// an independent seed (splitmix64 finaliser), so that per-agent streams do not
/// depend on how many agents or threads a run has.
inline std::uint64_t derive_seed(std::uint64_t master, std::uint64_t stream,
                                 std::uint64_t index = 0) {
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  return mix(mix(mix(master) ^ stream) ^ index);
}

/// Stream tags, so two subsystems never share a seed by accident.
namespace stream {
constexpr std::uint64_t partition = 1;
constexpr std::uint64_t topology = 2;
constexpr std::uint64_t model_init = 3;
constexpr std::uint64_t sampling = 4;
constexpr std::uint64_t synthetic_data = 5;
constexpr std::uint64_t evaluation = 6;
constexpr std::uint64_t algorithm = 7;
constexpr std::uint64_t cost = 8;
constexpr std::uint64_t stragglers = 9;
constexpr std::uint64_t compute_clock = 10; ///< asynchronous compute cycles
constexpr std::uint64_t comm_clock = 11;    ///< asynchronous broadcasts
constexpr std::uint64_t channel = 12;       ///< delivery losses
constexpr std::uint64_t churn = 13;         ///< synthetic availability
constexpr std::uint64_t network = 14;       ///< link capacity draws
constexpr std::uint64_t message_loss = 15;  ///< synchronous message drops
} // namespace stream

} // namespace murmur
