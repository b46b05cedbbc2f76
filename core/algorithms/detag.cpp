// DeTAG (Lu & De Sa, ICML 2021, Algorithm 2): gradient tracking whose gossip
// is R rounds of accelerated gossip (AG) per phase, with the phase's
// gradients all taken at the frozen x^k. Tracked quantities are optimizer
// updates u (= -lr g for plain SGD), as in gradient_tracking.cpp.
//
// Phase k = communication rounds kR .. kR+R-1 of agent i:
//   start      z = z_prev = [x^k | y^k]     (AG scratch reset every phase)
//   round r    send z; meanwhile b_r minibatch updates u at x^k, g += u / B
//              (b_r spreads the phase's budget of B minibatches evenly
//              over its R rounds; B = R by default, one per round);
//              z, z_prev <- (1+eta) W z - eta z_prev, z
//   end        gossiped-tracker (default):  x^{k+1} = AG(X)_i + AG(Y)_i
//              local-tracker:               x^{k+1} = AG(X)_i + y^k_i
//              y^{k+1} = AG(Y)_i + g - g_prev;  g_prev <- g; g <- 0
//
// The default ordering is the one of the pcode implementation, which is
// also how the paper's Algorithm 2 reads;
// local-tracker is the docom numpy ordering. Both keep mean(y) equal to the
// mean of the last phase's accumulated updates.
//
// DeTAGM (tracker_momentum = beta > 0): heavy-ball momentum on the tracker,
// once per phase, as the pcode implementation applies it (OscarYau525/docom
// pcode/optim/utils.py, apply_gradient_from_gradient_tracker): with t the
// tracker the model takes (AG(Y)_i gossiped, y^k_i local),
//   m <- beta m + t;  x^{k+1} = AG(X)_i + m      (m^0 = 0)
// instead of x^{k+1} = AG(X)_i + t; beta = 0 is DeTAG. Per-minibatch
// momentum (optimizer.momentum) is separate and applies to the updates u.
//
// init = zero: y^0 = g_prev = 0 (the model does not move in phase 0).
// init = first-gradient: y^0 = g_prev = the average of B extra minibatch
// updates at x^0, taken before the first phase (B more gradient steps).
//
// The minibatch budget B (the reference's oracle_budget, OscarYau525/docom
// pcode/optim/detag.py) is separate from the gossip rounds R: with B < R a
// phase gossips more rounds than it computes minibatches (rounds without
// one charge no compute), with B > R some rounds compute several.
//
// R = 0 and eta < 0 mean auto: from the spectral gap of the communication
// graph's Metropolis-Hastings weights (lambda = 1 - gap, worst phase),
// R = max(1, int(0.5 ln n / sqrt(1 - lambda))) and
// eta = (1 - sqrt(1 - lambda^2)) / (1 + sqrt(1 - lambda^2)).
// Rounds after the last complete phase gossip but do not move the model.
//
// A lost message (network.message_loss) leaves its sender out of that AG
// round's mix, whose row is renormalised over what arrived (mix_into, as
// the RelaySGD code's gossip does): the row stays stochastic, but AG's mean
// preservation, and with it mean(y) = mean(g), holds only for rounds
// without a loss.
#include "core/algorithms/accelerated_gossip.hpp"
#include "core/algorithms/kinds.hpp"
#include "core/algorithms/mixing_ops.hpp"

namespace murmur {

namespace {

const char* const name = "detag";

/// What the model takes from the tracker at the end of a phase.
enum class tracker_ordering { gossiped, local };

const enum_names<tracker_ordering>& names_of(tracker_ordering) {
  static const enum_names<tracker_ordering> n{
    {"gossiped-tracker", tracker_ordering::gossiped},
    {"local-tracker", tracker_ordering::local}};
  return n;
}

/// How the tracker starts.
enum class tracker_init { zero, first_gradient };

const enum_names<tracker_init>& names_of(tracker_init) {
  static const enum_names<tracker_init> n{
    {"zero", tracker_init::zero},
    {"first-gradient", tracker_init::first_gradient}};
  return n;
}

struct detag_options {
  int R = 0;       ///< AG rounds per phase; 0 = auto
  int B = 0;       ///< minibatches per phase; 0 = R
  double eta = -1; ///< AG momentum; < 0 = auto
  tracker_ordering ordering = tracker_ordering::gossiped;
  tracker_init init = tracker_init::zero;
  double tracker_momentum = 0; ///< DeTAGM: heavy-ball on the tracker
};

const schema<detag_options>& detag_schema() {
  static const auto s = [] {
    schema<detag_options> s;
    s.add<int>(
      "algorithm.R", [](detag_options& o) -> int& { return o.R; },
      "accelerated-gossip rounds per phase (0 = auto from the spectral gap)",
      at_least(0));
    s.add<int>(
      "algorithm.B", [](detag_options& o) -> int& { return o.B; },
      "minibatches per phase, all at the phase's frozen model and spread "
      "evenly over its R rounds (0 = R, one per round)",
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
    s.add<tracker_ordering>(
      "algorithm.ordering",
      [](detag_options& o) -> tracker_ordering& { return o.ordering; },
      "x <- AG(X) + AG(Y) (gossiped-tracker, as the pcode implementation) "
      "or x <- AG(X) + y (local-tracker, as the docom implementation)");
    s.add<tracker_init>(
      "algorithm.init",
      [](detag_options& o) -> tracker_init& { return o.init; },
      "tracker start: zero, or first-gradient (y^0 = g_prev = updates at "
      "x^0)");
    s.add<double>(
      "algorithm.tracker_momentum",
      [](detag_options& o) -> double& { return o.tracker_momentum; },
      "DeTAGM: heavy-ball momentum in [0, 1) on the tracker the model takes, "
      "once per phase (0 = DeTAG)",
      in_range(0, 1, false, true));
    return s;
  }();
  return s;
}

class detag : public algorithm {
public:
  /// `opts` with R, eta and B already resolved (see plan below).
  detag(detag_options opts, std::size_t num_params)
    : opts_(std::move(opts)), d_(static_cast<Eigen::Index>(num_params)),
      y_(vec::Zero(d_)), g_(vec::Zero(d_)), g_prev_(vec::Zero(d_)), u_(d_),
      m_(vec::Zero(opts_.tracker_momentum > 0 ? d_ : 0)),
      pool_(2 * num_params) {}

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

  void while_waiting(agent_context& ctx, round_t k,
                     const neighbourhood&) override {
    for (unsigned b = gradients_in_round(k); b > 0; --b) {
      ctx.propose_step({u_.data(), u_.size()});
      g_ += u_ / static_cast<float>(opts_.B);
    }
  }

  /// b_r = floor((r + 1) B / R) - floor(r B / R): B in all over a phase.
  unsigned gradients_in_round(round_t k) const override {
    auto r = k % rounds();
    auto budget = static_cast<round_t>(opts_.B);
    return static_cast<unsigned>((r + 1) * budget / rounds() -
                                 r * budget / rounds());
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
    if (opts_.init == tracker_init::first_gradient) {
      for (int b = 0; b < opts_.B; ++b) {
        ctx.propose_step({u_.data(), u_.size()});
        y_ += u_ / static_cast<float>(opts_.B);
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
    auto tracker = opts_.ordering == tracker_ordering::gossiped
                     ? const_vec_map{z_->data() + d_, d_}
                     : const_vec_map{y_.data(), d_};
    if (opts_.tracker_momentum > 0) {
      m_ = static_cast<float>(opts_.tracker_momentum) * m_ + tracker;
      *next = z_->head(d_) + m_;
    } else {
      *next = z_->head(d_) + tracker;
    }
    y_ = z_->tail(d_) + g_ - g_prev_;
    std::swap(g_prev_, g_);
    g_.setZero();
    ctx.set_model(std::move(next));
  }

  detag_options opts_;
  Eigen::Index d_;
  vec y_;      ///< tracker of the average (phase-averaged) update
  vec g_;      ///< this phase's updates at x^k, averaged over B
  vec g_prev_; ///< last phase's
  vec u_;
  vec m_;            ///< DeTAGM's momentum on the tracker
  buffer_pool pool_; ///< [x_comm | y_comm] iterates
  std::shared_ptr<vec> z_, z_prev_;
};

/// Resolves automatic R and eta from the spectral gap of the graph, once,
/// and B = 0 to R.
detag_options resolve_auto(detag_options o, const topology& comm) {
  if (o.R == 0 || o.eta < 0) {
    auto lambda = mixing_lambda(comm, name);
    if (o.R == 0)
      o.R = ag_rounds(comm.size(), lambda);
    if (o.eta < 0)
      o.eta = ag_momentum(lambda);
  }
  if (o.B == 0)
    o.B = o.R;
  return o;
}

synchronous_factory make_factory() {
  synchronous_factory f;
  f.options = declared_options(detag_schema(), name);
  f.plan = [](const toml::table& resolved, const run_shape& run) {
    auto& comm = connected(run, name);
    auto opts = resolve_auto(parse_options(detag_schema(), resolved), comm);
    auto params = run.num_params;
    return synchronous_plan{comm, [opts, params](agent_id) {
                              return std::make_unique<detag>(opts, params);
                            }};
  };
  return f;
}

const bool registered = algorithm_registry::add(
  name, make_factory(),
  "DeTAG: gradient tracking with R rounds of accelerated gossip per phase");

} // namespace

} // namespace murmur
