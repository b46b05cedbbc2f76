// D-PSGD with a fixed round duration, the baseline of the Plexus code
// (sacs-epfl/plexus, dlsim/dl/community.py do_round and
// simulations/dl/dl_simulation.py on_round_done). Every `period` seconds an
// agent mixes the newest model each neighbour sent since its last round,
// with Metropolis-Hastings weights renormalised over the neighbours heard
// from (uniform over itself and them on a regular graph, as the reference's
// FedAvg), trains local_steps minibatches and, as soon as the training ends,
// sends the trained model to all its neighbours. Nobody waits for anybody,
// so agents can go offline (churn): their neighbours simply do not hear from
// them. Driven by the asynchronous trainer and mailer (actors/async_*).
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
  name,
  round_gossip_factory<dpsgd_periodic>(
    name, {0, send_clock::after_compute, compute_start::back_to_back}),
  "D-PSGD with a fixed round duration: every period mix what arrived "
  "(Metropolis-Hastings, renormalised), train, and broadcast as soon as the "
  "training ends; works under churn (run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
