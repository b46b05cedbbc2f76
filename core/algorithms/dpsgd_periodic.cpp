// D-PSGD with a fixed round duration, the baseline of the Plexus code
// (ALGORITHMS.md 4.5: k-regular graph, 60 s rounds). Every `period` seconds
// an agent mixes the newest model each neighbour sent since its last round,
// with Metropolis-Hastings weights renormalised over the neighbours heard
// from, trains local_steps minibatches and broadcasts to all its neighbours.
// Nobody waits for anybody, so agents can go offline (churn): their
// neighbours simply do not hear from them. Driven by the asynchronous trainer
// and mailer (actors/async_*) with fixed rounds on the compute clock and a
// Poisson send clock at one broadcast per period on average.
#include "core/async.hpp"
#include "core/mixing_ops.hpp"

#include <algorithm>

namespace murmur {

namespace {

const char* const name = "dpsgd-periodic";

struct periodic_options {
  double period = 60;
  std::uint64_t local_steps = 1;
};

const schema<periodic_options>& periodic_schema() {
  static const auto s = [] {
    using o = periodic_options;
    schema<o> s;
    s.add<double>(
      "algorithm.period", [](o& x) -> double& { return x.period; },
      "seconds per round: mix what arrived, train, broadcast", positive());
    s.add<std::uint64_t>(
      "algorithm.local_steps",
      [](o& x) -> std::uint64_t& { return x.local_steps; },
      "minibatches trained per round", at_least<std::uint64_t>(1));
    return s;
  }();
  return s;
}

class dpsgd_periodic : public algorithm {
public:
  explicit dpsgd_periodic(unsigned local_steps) : local_steps_(local_steps) {}

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

  void before_send(agent_context& ctx, round_t, const neighbourhood&) override {
    for (unsigned s = 0; s < local_steps_; ++s)
      ctx.local_step();
  }

  outbox publish(agent_context& ctx, round_t, const neighbourhood&) override {
    return {{payload{ctx.shared_model()}}, false};
  }

  unsigned gradients_per_round() const override { return local_steps_; }

private:
  unsigned local_steps_;
  inbox aligned_; ///< reused: no allocation per round
};

algorithm_factory make_factory() {
  algorithm_factory f;
  f.resolve = resolver(periodic_schema(), name);
  f.describe = describer(periodic_schema());
  f.communication = [](const topology& t, const toml::table&) {
    require_connected(t, name);
    return t;
  };
  f.make = [](const toml::table& options, const algorithm_setup&,
              agent_id) -> std::unique_ptr<algorithm> {
    auto o = parse_options(periodic_schema(), options);
    return std::make_unique<dpsgd_periodic>(
      static_cast<unsigned>(o.local_steps));
  };
  f.asynchronous = [](const toml::table& options) {
    auto o = parse_options(periodic_schema(), options);
    return fixed_rounds(o.period, static_cast<unsigned>(o.local_steps), 0);
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "D-PSGD with a fixed round duration: every period mix what arrived "
  "(Metropolis-Hastings, renormalised), train, broadcast; works under churn "
  "(run.time_budget, run.eval_seconds)");

} // namespace

} // namespace murmur
