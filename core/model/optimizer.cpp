#include "core/model/optimizer.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace murmur {

namespace {

constexpr double pi = 3.14159265358979323846;

} // namespace

const schema<optimizer_spec>& optimizer_schema() {
  static const auto s = [] {
    using C = optimizer_spec;
    schema<C> s;
    s.add<double>(
      "optimizer.lr", [](C& c) -> double& { return c.lr; }, "learning rate",
      positive());
    s.add<double>(
      "optimizer.momentum", [](C& c) -> double& { return c.momentum; },
      "local momentum (never communicated), in [0, 1)",
      in_range(0, 1, false, true));
    s.add<bool>(
      "optimizer.nesterov", [](C& c) -> bool& { return c.nesterov; },
      "Nesterov instead of heavy-ball momentum");
    s.add<schedule_kind>(
      "optimizer.schedule", [](C& c) -> schedule_kind& { return c.schedule; },
      "learning rate over the run");
    s.add<std::vector<double>>(
      "optimizer.milestones",
      [](C& c) -> std::vector<double>& { return c.milestones; },
      "step: increasing fractions of the run in (0, 1) where lr is "
      "multiplied by decay");
    s.add<double>(
      "optimizer.decay", [](C& c) -> double& { return c.decay; },
      "step: factor per milestone, in (0, 1]", in_range(0, 1, true, false));
    s.add<double>(
      "optimizer.warmup", [](C& c) -> double& { return c.warmup; },
      "fraction of the run with linear warm-up from 0, in [0, 1)",
      in_range(0, 1, false, true));
    return s;
  }();
  return s;
}

void validate(const optimizer_spec& spec) {
  double previous = 0;
  for (double m : spec.milestones) {
    if (!(m > previous && m < 1))
      throw input_error("optimizer.milestones: must be increasing fractions "
                        "of the run in (0, 1), e.g. [0.5, 0.75]; got " +
                        show_number(m) + " after " + show_number(previous));
    previous = m;
  }
}

lr_schedule::lr_schedule(const optimizer_spec& spec, std::uint64_t total)
  : spec_(spec), total_(total) {}

double lr_schedule::at(std::uint64_t step) const {
  const double t = static_cast<double>(step);
  const double total = static_cast<double>(total_);
  const double warm = spec_.warmup * total; // not rounded: a smooth ramp
  if (t < warm)
    return spec_.lr * t / warm;
  if (spec_.schedule == schedule_kind::step) {
    // Milestones are fractions of the whole run, warm-up included.
    auto passed =
      std::count_if(spec_.milestones.begin(), spec_.milestones.end(),
                    [&](double m) { return t >= m * total; });
    return spec_.lr * std::pow(spec_.decay, static_cast<double>(passed));
  }
  if (spec_.schedule == schedule_kind::cosine && total > warm) {
    const double progress = std::min(1.0, (t - warm) / (total - warm));
    return spec_.lr * 0.5 * (1 + std::cos(pi * progress));
  }
  return spec_.lr;
}

sgd::sgd(const optimizer_spec& spec, std::size_t num_params)
  : momentum_(spec.momentum), nesterov_(spec.nesterov) {
  if (momentum_ > 0)
    buffer_ = vec::Zero(static_cast<Eigen::Index>(num_params));
}

void sgd::update(const_vec_map grad, double lr, vec_map u) {
  const auto step = static_cast<float>(-lr);
  if (momentum_ == 0) {
    u = step * grad;
    return;
  }
  const auto mu = static_cast<float>(momentum_);
  buffer_ = mu * buffer_ + grad;
  if (nesterov_)
    u = step * (grad + mu * buffer_);
  else
    u = step * buffer_;
}

void sgd::reset() {
  buffer_.setZero();
}

} // namespace murmur
