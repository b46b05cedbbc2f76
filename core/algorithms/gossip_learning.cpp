// Gossip Learning (Ormandi, Hegedus, Jelasity; the baseline of the Plexus
// code, sacs-epfl/plexus dlsim/gl): every round of `period` seconds an agent merges
// the models that reached it, each weighted by its age (the number of
// updates behind it),
//   x <- (a x + a_j x_j) / (a + a_j),   a <- max(a, a_j)
// then trains local_steps minibatches (a += local_steps) and sends its model
// with its age to one random neighbour. Driven by the asynchronous trainer
// and mailer (actors/async_*): fixed rounds on the compute clock, a Poisson
// send clock at one message per period, fan-out 1.
#include "core/algorithms/async.hpp"

namespace murmur {

namespace {

const char* const name = "gossip-learning";

class gossip_learning : public stepping_gossip {
public:
  using stepping_gossip::stepping_gossip;

  void combine(agent_context& ctx, round_t, const neighbourhood&,
               const inbox& in) override {
    for (auto& r : in) {
      if (!r.msg.data)
        continue;
      auto theirs = static_cast<double>(r.msg.count);
      auto mine = static_cast<double>(age_);
      // Two fresh models (age 0) count equally.
      float w =
        theirs + mine > 0 ? static_cast<float>(theirs / (theirs + mine)) : 0.5f;
      auto next = ctx.fresh_buffer();
      *next = (1 - w) * ctx.x() + w * *r.msg.data;
      ctx.set_model(std::move(next));
      age_ = std::max(age_, r.msg.count);
    }
  }

  void before_send(agent_context& ctx, round_t k,
                   const neighbourhood& hood) override {
    stepping_gossip::before_send(ctx, k, hood);
    age_ += local_steps_;
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return {{payload{ctx.shared_model(), age_}}, false};
  }

private:
  std::int64_t age_ = 0;
};

const bool registered = algorithm_registry::add(
  name, round_gossip_factory<gossip_learning>(name, 1),
  "Gossip Learning: age-weighted pairwise merge, train, send to one random "
  "neighbour every period (run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
