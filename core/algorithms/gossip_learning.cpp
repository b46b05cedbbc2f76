// Gossip Learning (Ormandi, Hegedus, Jelasity; the baseline of the Plexus
// code, sacs-epfl/plexus, dlsim/gl/community.py). Two independent halves, as
// there:
//  - sending (do_round): every `period` seconds (round_timeout, 60 s) an
//    online agent sends its current model with its age to one peer drawn at
//    random among the online ones; the timer restarts when it comes back
//    online;
//  - receiving (on_receive): a model that arrives is merged at once, each
//    side weighted by its age (the number of updates behind it),
//      x <- (a x + a_j x_j) / (a + a_j),   a <- max(a, a_j)
//    and the merged model is trained for local_steps minibatches
//    (a += local_steps). An agent that hears nothing does not train.
// Models that arrive while a training runs are merged when it ends and
// trained once more; the reference merges them at once and restarts the
// training, dropping the one in progress. The reference's round lasts
// round_timeout plus its send's transfer; here sends are exactly `period`
// apart (a model's transfer takes seconds against a 60 s round). The age
// counts local steps where the reference counts samples: with one batch
// size the weights are the same. Driven by the asynchronous trainer and
// mailer (actors/async_*).
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
  name,
  round_gossip_factory<gossip_learning>(
    name, {1, send_clock::periodic, compute_start::on_receipt}),
  "Gossip Learning: every period send the model to one random online "
  "neighbour; on receipt merge (age-weighted) and train "
  "(run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
