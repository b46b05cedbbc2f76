// Gossip Learning (Ormandi, Hegedus, Jelasity; the baseline of the Plexus
// code, ALGORITHMS.md 4.5): every round of `period` seconds an agent merges
// the models that reached it, each weighted by its age (the number of
// updates behind it),
//   x <- (a x + a_j x_j) / (a + a_j),   a <- max(a, a_j)
// then trains local_steps minibatches (a += local_steps) and sends its model
// with its age to one random neighbour. Driven by the asynchronous trainer
// and mailer (actors/async_*): fixed rounds on the compute clock, a Poisson
// send clock at one message per period, fan-out 1.
#include "core/async.hpp"

namespace murmur {

namespace {

const char* const name = "gossip-learning";

struct gossip_options {
  double period = 60;
  std::uint64_t local_steps = 5;
};

const schema<gossip_options>& gossip_schema() {
  static const auto s = [] {
    using o = gossip_options;
    schema<o> s;
    s.add<double>(
      "algorithm.period", [](o& x) -> double& { return x.period; },
      "seconds per round: merge, train, send to one random neighbour",
      positive());
    s.add<std::uint64_t>(
      "algorithm.local_steps",
      [](o& x) -> std::uint64_t& { return x.local_steps; },
      "minibatches trained per round", at_least<std::uint64_t>(1));
    return s;
  }();
  return s;
}

class gossip_learning : public algorithm {
public:
  explicit gossip_learning(unsigned local_steps) : local_steps_(local_steps) {}

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

  void before_send(agent_context& ctx, round_t, const neighbourhood&) override {
    for (unsigned s = 0; s < local_steps_; ++s)
      ctx.local_step();
    age_ += local_steps_;
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return {{payload{ctx.shared_model(), age_}}, false};
  }

  unsigned gradients_per_round() const override { return local_steps_; }

private:
  unsigned local_steps_;
  std::int64_t age_ = 0;
};

algorithm_factory make_factory() {
  algorithm_factory f;
  f.resolve = resolver(gossip_schema(), name);
  f.communication = [](const topology& t, const toml::table&) {
    require_connected(t, name);
    return t;
  };
  f.make = [](const toml::table& options, const algorithm_setup&,
              agent_id) -> std::unique_ptr<algorithm> {
    auto o = parse_options(gossip_schema(), options);
    return std::make_unique<gossip_learning>(
      static_cast<unsigned>(o.local_steps));
  };
  f.asynchronous = [](const toml::table& options) {
    auto o = parse_options(gossip_schema(), options);
    return fixed_rounds(o.period, static_cast<unsigned>(o.local_steps), 1);
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "Gossip Learning: age-weighted pairwise merge, train, send to one random "
  "neighbour every period (run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
