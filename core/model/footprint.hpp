#pragma once

#include "core/model/optimizer.hpp"

#include <cstddef>
#include <cstdint>

namespace murmur {

/// Model-sized float vectors every agent keeps whatever the algorithm: its
/// model and the buffer the next model is mixed into.
inline constexpr std::size_t model_buffers = 2;

/// Bytes one agent keeps for a model of `num_params` floats: the model
/// buffers, the optimizer's state (state_vectors), and `algorithm_vectors`
/// more model-sized vectors the algorithm holds (trackers, relayed sums,
/// messages in flight). Per-thread scratch (gradients, activations) is not
/// per agent and not counted.
std::uint64_t bytes_per_agent(std::size_t num_params,
                              const optimizer_spec& optimizer,
                              std::size_t algorithm_vectors = 0);

} // namespace murmur
