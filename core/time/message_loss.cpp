#include "core/time/message_loss.hpp"

#include "core/base/rng.hpp"

namespace murmur {

bool message_lost(double q, std::uint64_t seed, agent_id from, agent_id to,
                  round_t k) {
  if (!(q > 0))
    return false;
  auto link = derive_seed(seed, stream::message_loss, from);
  auto bits = derive_seed(link, to, k);
  // The top 53 bits as a uniform double in [0, 1).
  double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
  return u < q;
}

} // namespace murmur
