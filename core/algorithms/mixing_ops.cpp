#include "core/algorithms/mixing_ops.hpp"

#include <cmath>
#include <optional>

namespace murmur {

namespace {

struct term {
  float weight;
  const float* x;
};

// Adds one or two terms, in one pass, to the self term c * self (when `self`
// is given) or to out itself: out = fma(b, y, fma(a, x, base)). The fused
// multiply-adds are written out, so every build rounds the mix alike, as
// the one-pass-per-term Eigen loops rounded it in the optimised build.
void add_terms(float* out, const float* self, float c, term a,
               std::optional<term> b, std::size_t n) {
  auto base = [&](std::size_t i) { return self ? c * self[i] : out[i]; };
  if (b)
    for (std::size_t i = 0; i < n; ++i)
      out[i] =
        std::fma(b->weight, b->x[i], std::fma(a.weight, a.x[i], base(i)));
  else
    for (std::size_t i = 0; i < n; ++i)
      out[i] = std::fma(a.weight, a.x[i], base(i));
}

} // namespace

void mix_into(vec& out, const vec& self, const mixing_row& w, const inbox& in) {
  const auto c = static_cast<float>(w.self);
  double arrived = w.self;
  bool lost = false;
  std::size_t k = 0;
  // The next message that arrived, in inbox order.
  auto next = [&]() -> std::optional<term> {
    for (; k < in.size(); ++k) {
      if (!in[k].msg.data) {
        lost = true;
        continue;
      }
      arrived += w.weights[k];
      term t{static_cast<float>(w.weights[k]), in[k].msg.data->data()};
      ++k;
      return t;
    }
    return std::nullopt;
  };
  const float* first = self.data(); // the first pass starts from c * self
  while (auto a = next()) {
    add_terms(out.data(), first, c, *a, next(),
              static_cast<std::size_t>(out.size()));
    first = nullptr;
  }
  if (first != nullptr) // nothing arrived
    out.noalias() = c * self;
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
