#pragma once

#include "core/base/schema.hpp"
#include "core/base/types.hpp"

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

struct optimizer_spec {
  double lr = 0.1;
  double momentum = 0; ///< local momentum coefficient, 0 = plain SGD
  bool nesterov = false;
  schedule_kind schedule = schedule_kind::constant;
  std::vector<double> milestones; ///< step: fractions of the run in (0, 1)
  double decay = 0.1;             ///< step: factor applied at each milestone
  double warmup = 0;              ///< fraction of the run with linear warm-up
};

/// The optimizer.* keys, with their ranges.
const schema<optimizer_spec>& optimizer_schema();

/// The rule between values that the ranges cannot state: milestones
/// increasing in (0, 1). Throws input_error naming optimizer.milestones.
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

/// SGD with a local (never communicated) heavy-ball or Nesterov buffer, in
/// PyTorch's convention: m <- mu m + g; u = -lr (g + mu m) for Nesterov,
/// u = -lr m otherwise. `update` writes the proposed step u; the algorithm
/// decides where it is applied.
class sgd {
public:
  sgd(const optimizer_spec& spec, std::size_t num_params);

  void update(const_vec_map grad, double lr, vec_map u);
  void reset(); ///< zero the momentum buffer (Plexus restarts it per round)

private:
  double momentum_;
  bool nesterov_;
  vec buffer_;
};

} // namespace murmur
