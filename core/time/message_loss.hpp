#pragma once

#include "core/base/types.hpp"

#include <cstdint>

namespace murmur {

/// Whether the message agent `from` sends agent `to` in synchronous round `k`
/// is lost, when every message is lost independently with probability `q`
/// (network.message_loss). A pure function of (seed, from, to, k), hashed
/// through derive_seed rather than drawn from a shared generator: the actors'
/// mailers (sender and receiver both ask) and the lock-step loop drop the
/// same messages whatever the thread count or arrival order. q = 0 never
/// drops.
bool message_lost(double q, std::uint64_t seed, agent_id from, agent_id to,
                  round_t k);

} // namespace murmur
