// DeTAG (Lu & De Sa 2021), ALGORITHMS.md 3: gradient tracking whose gossip
// is R rounds of accelerated gossip (AG) per phase, with the phase's
// gradients all taken at the frozen x^k. Tracked quantities are optimizer
// updates u (= -lr g for plain SGD), as in gradient_tracking.cpp.
//
// Phase k = communication rounds kR .. kR+R-1 of agent i:
//   start      z = z_prev = [x^k | y^k]     (AG scratch reset every phase)
//   round r    send z; meanwhile u_r = update at x^k, g += u_r / R;
//              z, z_prev <- (1+eta) W z - eta z_prev, z
//   end        gossiped-tracker (default):  x^{k+1} = AG(X)_i + AG(Y)_i
//              local-tracker:               x^{k+1} = AG(X)_i + y^k_i
//              y^{k+1} = AG(Y)_i + g - g_prev;  g_prev <- g; g <- 0
//
// The default ordering is the one of the pcode implementation, which is
// also how ALGORITHMS.md 3.3 presents the update (and recalls the paper);
// local-tracker is the docom numpy ordering. Both keep mean(y) equal to the
// mean of the last phase's accumulated updates.
//
// init = zero: y^0 = g_prev = 0 (the model does not move in phase 0).
// init = first-gradient: y^0 = g_prev = the average of R extra minibatch
// updates at x^0, taken before the first phase (R more gradient steps).
//
// R = 0 and eta < 0 mean auto: from the spectral gap of the communication
// graph's Metropolis-Hastings weights (lambda = 1 - gap, worst phase),
// R = max(1, int(0.5 ln n / sqrt(1 - lambda))) and
// eta = (1 - sqrt(1 - lambda^2)) / (1 + sqrt(1 - lambda^2)).
// Rounds after the last complete phase gossip but do not move the model.
#include "core/algorithms/accelerated_gossip.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

const char* const name = "detag";

struct detag_options {
  int R = 0;       ///< AG rounds per phase; 0 = auto
  double eta = -1; ///< AG momentum; < 0 = auto
  std::string ordering = "gossiped-tracker";
  std::string init = "zero";
};

const schema<detag_options>& detag_schema() {
  static const auto s = [] {
    schema<detag_options> s;
    s.add<int>(
      "algorithm.R", [](detag_options& o) -> int& { return o.R; },
      "accelerated-gossip rounds per phase (0 = auto from the spectral gap)",
      at_least(0));
    s.add<double>(
      "algorithm.eta", [](detag_options& o) -> double& { return o.eta; },
      "accelerated-gossip momentum in [0, 1) (-1 = auto from the spectral "
      "gap; 0 = plain gossip)",
      [](const std::string& key, const double& v) {
        if (!(v == -1 || (v >= 0 && v < 1)))
          throw input_error(key + ": must be -1 (auto) or in [0, 1), got " +
                            std::to_string(v));
      });
    s.add<std::string>(
      "algorithm.ordering",
      [](detag_options& o) -> std::string& { return o.ordering; },
      "gossiped-tracker (x <- AG(X) + AG(Y), pcode) | local-tracker "
      "(x <- AG(X) + y, docom)",
      one_of({"gossiped-tracker", "local-tracker"}));
    s.add<std::string>(
      "algorithm.init", [](detag_options& o) -> std::string& { return o.init; },
      "tracker start: zero | first-gradient (y^0 = g_prev = updates at x^0)",
      one_of({"zero", "first-gradient"}));
    return s;
  }();
  return s;
}

bool needs_auto(const detag_options& o) {
  return o.R == 0 || o.eta < 0;
}

class detag : public algorithm {
public:
  /// `derived` = {R, eta} from the spectral gap when either is automatic.
  detag(detag_options opts, const algorithm_setup& setup)
    : opts_(std::move(opts)), d_(static_cast<Eigen::Index>(setup.num_params)),
      y_(vec::Zero(d_)), g_(vec::Zero(d_)), g_prev_(vec::Zero(d_)), u_(d_),
      pool_(2 * setup.num_params) {
    if (opts_.R == 0)
      opts_.R = static_cast<int>(setup.constants.at(0));
    if (opts_.eta < 0)
      opts_.eta = setup.constants.at(1);
  }

  void before_send(agent_context& ctx, round_t k,
                   const neighbourhood&) override {
    if (k == 0)
      start(ctx);
    if (k % rounds() == 0)
      start_phase(ctx);
  }

  outbox publish(agent_context&, round_t, const neighbourhood&) override {
    return {{payload{z_}}, false};
  }

  void while_waiting(agent_context& ctx, round_t,
                     const neighbourhood&) override {
    ctx.propose_step({u_.data(), u_.size()});
    g_ += u_ / static_cast<float>(rounds());
  }

  void combine(agent_context& ctx, round_t k, const neighbourhood& hood,
               const inbox& in) override {
    auto next = pool_.acquire();
    mix_into(*next, *z_, *hood.weights, in);
    ag_extrapolate(*next, *z_prev_, opts_.eta);
    z_prev_ = std::move(z_);
    z_ = std::move(next);
    if (k % rounds() == rounds() - 1)
      end_phase(ctx);
  }

  // The phase's minibatch of this round is taken at the frozen x^k while
  // the AG iterates travel. The R extra minibatches of init = first-gradient
  // (round 0 only) are not charged to the clock.
  phase compute_phase() const override { return phase::while_waiting; }

private:
  round_t rounds() const { return static_cast<round_t>(opts_.R); }

  void start(agent_context& ctx) {
    if (opts_.init == "first-gradient") {
      for (int r = 0; r < opts_.R; ++r) {
        ctx.propose_step({u_.data(), u_.size()});
        y_ += u_ / static_cast<float>(opts_.R);
      }
      g_prev_ = y_;
    }
  }

  // Z^{(-1)} = Z^{(0)} every phase: carrying z_prev over would break AG's
  // mean preservation (pitfall 1). Sharing one buffer is fine, as sent
  // vectors are never written again.
  void start_phase(agent_context& ctx) {
    z_ = pool_.acquire();
    z_->head(d_) = ctx.x();
    z_->tail(d_) = y_;
    z_prev_ = z_;
  }

  void end_phase(agent_context& ctx) {
    auto next = ctx.fresh_buffer();
    if (opts_.ordering == "gossiped-tracker")
      *next = z_->head(d_) + z_->tail(d_);
    else
      *next = z_->head(d_) + y_;
    y_ = z_->tail(d_) + g_ - g_prev_;
    std::swap(g_prev_, g_);
    g_.setZero();
    ctx.set_model(std::move(next));
  }

  detag_options opts_;
  Eigen::Index d_;
  vec y_;      ///< tracker of the average (phase-averaged) update
  vec g_;      ///< this phase's updates at x^k, averaged over R
  vec g_prev_; ///< last phase's
  vec u_;
  buffer_pool pool_; ///< [x_comm | y_comm] iterates
  std::shared_ptr<vec> z_, z_prev_;
};

std::vector<double> derive(const topology& comm, const toml::table& options) {
  if (!needs_auto(parse_options(detag_schema(), options)))
    return {};
  auto lambda = mixing_lambda(comm, name);
  return {static_cast<double>(ag_rounds(comm.size(), lambda)),
          ag_momentum(lambda)};
}

algorithm_factory make_factory() {
  algorithm_factory f;
  f.resolve = resolver(detag_schema(), name);
  f.describe = describer(detag_schema());
  f.communication = [](const topology& t, const toml::table&) {
    require_connected(t, name);
    return t;
  };
  f.prepare = derive;
  f.make = [](const toml::table& options, const algorithm_setup& setup,
              agent_id) -> std::unique_ptr<algorithm> {
    return std::make_unique<detag>(parse_options(detag_schema(), options),
                                   setup);
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "DeTAG: gradient tracking with R rounds of accelerated gossip per phase");

} // namespace

} // namespace murmur
