#include "core/algorithms/mixing_ops.hpp"

#include <cmath>

namespace murmur {

void mix_into(vec& out, const vec& self, const mixing_row& w, const inbox& in) {
  out.noalias() = static_cast<float>(w.self) * self;
  double arrived = w.self;
  bool lost = false;
  for (std::size_t k = 0; k < in.size(); ++k) {
    if (!in[k].msg.data) {
      lost = true;
      continue;
    }
    out.noalias() += static_cast<float>(w.weights[k]) * *in[k].msg.data;
    arrived += w.weights[k];
  }
  // Lost messages: renormalise the row over the weight that arrived, as the
  // RelaySGD code does (epfml/relaysgd utils/communication.py,
  // GossipMechanism.gossip_update), which is the D-PSGD / gradient-tracking
  // baseline of that paper's dropped-message experiment; we keep its choice
  // so the comparison is with the same baseline. Like the other standard
  // choice (the missing weight to the self weight) it keeps the row
  // stochastic, so a consensus stays a consensus; neither keeps W doubly
  // stochastic, as drops are not symmetric. Nothing lost: exactly the mix.
  if (lost)
    out *= static_cast<float>(1 / arrived);
}

void exact_average_into(vec& out, agent_id self_id, const vec& self,
                        const inbox& in) {
  out.setZero();
  bool self_added = false;
  std::size_t count = 1;
  for (auto& r : in) {
    if (!self_added && r.from > self_id) {
      out += self;
      self_added = true;
    }
    if (r.msg.data) {
      out += *r.msg.data;
      ++count;
    }
  }
  if (!self_added)
    out += self;
  out *= 1.0f / static_cast<float>(count);
}

} // namespace murmur
