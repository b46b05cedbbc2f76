#pragma once

#include "core/base/schema.hpp"
#include "core/base/types.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace murmur {

/// The shape of the learning rate over a run.
enum class schedule_kind { constant, step, cosine };

inline const enum_names<schedule_kind>& names_of(schedule_kind) {
  static const enum_names<schedule_kind> n{
    {"constant", schedule_kind::constant},
    {"step", schedule_kind::step},
    {"cosine", schedule_kind::cosine}};
  return n;
}

/// The local update rule.
enum class optimizer_kind { sgd, adam, adamw };

inline const enum_names<optimizer_kind>& names_of(optimizer_kind) {
  static const enum_names<optimizer_kind> n{{"sgd", optimizer_kind::sgd},
                                            {"adam", optimizer_kind::adam},
                                            {"adamw", optimizer_kind::adamw}};
  return n;
}

struct optimizer_spec {
  optimizer_kind kind = optimizer_kind::sgd;
  double lr = 0.1;
  double momentum = 0; ///< sgd: local momentum coefficient, 0 = plain SGD
  bool nesterov = false;
  double beta1 = 0.9;      ///< adam(w): first-moment decay
  double beta2 = 0.999;    ///< adam(w): second-moment decay
  double eps = 1e-8;       ///< adam(w): added to sqrt(second moment)
  double weight_decay = 0; ///< adamw: decoupled decay (lr x wd x theta)
  schedule_kind schedule = schedule_kind::constant;
  std::vector<double> milestones; ///< step: fractions of the run in (0, 1)
  double decay = 0.1;             ///< step: factor applied at each milestone
  double warmup = 0;              ///< fraction of the run with linear warm-up
};

/// The optimizer.* keys, with their ranges.
const schema<optimizer_spec>& optimizer_schema();

/// The rules between values that the ranges cannot state: milestones
/// increasing in (0, 1), momentum only for sgd, decoupled weight decay only
/// for adamw. Throws input_error naming the key.
void validate(const optimizer_spec& spec);

/// Learning rate as a function of the step index over a run of `total` steps:
/// linear warm-up from 0 for `warmup*total` steps, then the schedule.
class lr_schedule {
public:
  lr_schedule(const optimizer_spec& spec, std::uint64_t total);
  double at(std::uint64_t step) const;

private:
  optimizer_spec spec_;
  std::uint64_t total_;
};

/// An agent's local optimizer. Its state (momentum, moments, step count)
/// belongs to that agent and is never communicated. `update` writes the
/// proposed step u for the gradient `grad` at the parameters `theta`; the
/// algorithm decides where x + u is applied.
class optimizer {
public:
  virtual ~optimizer() = default;
  virtual void update(const_vec_map theta, const_vec_map grad, double lr,
                      vec_map u) = 0;
  /// theta += the u that update would propose, bit for bit; `scratch` is a
  /// model-sized buffer it may use. Here: update into scratch, then add.
  virtual void step(vec_map theta, const_vec_map grad, double lr,
                    vec_map scratch);
  /// Forgets the state (Plexus restarts it every round).
  virtual void reset() = 0;
};

/// SGD with a local heavy-ball or Nesterov buffer, in PyTorch's convention:
/// m <- mu m + g; u = -lr (g + mu m) for Nesterov, u = -lr m otherwise.
class sgd final : public optimizer {
public:
  sgd(const optimizer_spec& spec, std::size_t num_params);

  void update(const_vec_map theta, const_vec_map grad, double lr,
              vec_map u) override;
  /// Block by block, each block's u staying in the cache: one pass over
  /// theta, the gradient and the buffer instead of three.
  void step(vec_map theta, const_vec_map grad, double lr,
            vec_map scratch) override;
  void reset() override; ///< zeroes the momentum buffer

private:
  /// u for parameters [first, first + grad.size()): update over a stretch.
  void update_stretch(Eigen::Index first, const_vec_map grad, double lr,
                      vec_map u);

  double momentum_;
  bool nesterov_;
  vec buffer_;
};

/// Adam (Kingma & Ba, ICLR 2015) and, with a decoupled weight decay wd,
/// AdamW (Loshchilov & Hutter, ICLR 2019), as PyTorch computes them at step
/// t = 1, 2, ...:
///   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
///   u = -lr/(1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps) - lr wd theta.
/// wd is 0 for Adam, whose L2 term (model.weight_decay) is in the gradient.
class adam final : public optimizer {
public:
  adam(const optimizer_spec& spec, std::size_t num_params);

  void update(const_vec_map theta, const_vec_map grad, double lr,
              vec_map u) override;
  void reset() override; ///< zeroes both moments and the step count

private:
  double beta1_;
  double beta2_;
  double eps_;
  double decay_;
  vec first_;
  vec second_;
  std::uint64_t steps_ = 0;
};

/// The optimizer optimizer.kind names, for a model of `num_params`.
std::unique_ptr<optimizer> make_optimizer(const optimizer_spec& spec,
                                          std::size_t num_params);

/// Model-sized float vectors the optimizer keeps per agent (momentum: 1,
/// Adam: 2).
std::size_t state_vectors(const optimizer_spec& spec);

} // namespace murmur
