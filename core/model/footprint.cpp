#include "core/model/footprint.hpp"

namespace murmur {

std::uint64_t bytes_per_agent(std::size_t num_params,
                              const optimizer_spec& optimizer,
                              std::size_t algorithm_vectors) {
  const auto vectors =
    model_buffers + state_vectors(optimizer) + algorithm_vectors;
  return static_cast<std::uint64_t>(vectors) * num_params * sizeof(float);
}

} // namespace murmur
