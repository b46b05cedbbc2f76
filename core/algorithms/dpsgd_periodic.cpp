// D-PSGD with a fixed round duration, the baseline of the Plexus code
// (sacs-epfl/plexus, dlsim/dl: k-regular graph, 60 s rounds). Every `period` seconds
// an agent mixes the newest model each neighbour sent since its last round,
// with Metropolis-Hastings weights renormalised over the neighbours heard
// from, trains local_steps minibatches and broadcasts to all its neighbours.
// Nobody waits for anybody, so agents can go offline (churn): their
// neighbours simply do not hear from them. Driven by the asynchronous trainer
// and mailer (actors/async_*) with fixed rounds on the compute clock and a
// Poisson send clock at one broadcast per period on average.
#include "core/algorithms/async.hpp"
#include "core/algorithms/mixing_ops.hpp"

#include <algorithm>

namespace murmur {

namespace {

const char* const name = "dpsgd-periodic";

class dpsgd_periodic : public stepping_gossip {
public:
  using stepping_gossip::stepping_gossip;

  /// The buffer's messages come in sender order, newest per sender; placed
  /// in the graph's in-list order (null where nothing arrived) they mix as
  /// a synchronous round with lost messages does.
  void combine(agent_context& ctx, round_t, const neighbourhood& hood,
               const inbox& in) override {
    auto& from = *hood.in;
    aligned_.assign(from.size(), received{});
    for (auto& r : in) {
      auto pos = std::lower_bound(from.begin(), from.end(), r.from);
      if (pos != from.end() && *pos == r.from)
        aligned_[static_cast<std::size_t>(pos - from.begin())] = r;
    }
    auto next = ctx.fresh_buffer();
    mix_into(*next, ctx.x(), *hood.weights, aligned_);
    ctx.set_model(std::move(next));
  }

private:
  inbox aligned_; ///< reused: no allocation per round
};

const bool registered = algorithm_registry::add(
  name, round_gossip_factory<dpsgd_periodic>(name, 0),
  "D-PSGD with a fixed round duration: every period mix what arrived "
  "(Metropolis-Hastings, renormalised), train, broadcast; works under churn "
  "(run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
