#include "core/model/optimizer.hpp"

#include "core/base/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace murmur {

namespace {

constexpr double pi = 3.14159265358979323846;

void require(bool ok, const char* field, const std::string& rule, double got) {
  if (!ok)
    throw input_error(std::string{"optimizer."} + field + " must be " + rule +
                      ", got " + std::to_string(got));
}

void validate_milestones(const std::vector<double>& milestones) {
  double previous = 0;
  for (double m : milestones) {
    require(m > previous && m < 1, "milestones",
            "increasing fractions of the run in (0, 1)", m);
    previous = m;
  }
}

} // namespace

void validate(const optimizer_spec& spec) {
  require(spec.lr > 0 && std::isfinite(spec.lr), "lr", "> 0", spec.lr);
  require(spec.momentum >= 0 && spec.momentum < 1, "momentum", "in [0, 1)",
          spec.momentum);
  require(spec.warmup >= 0 && spec.warmup < 1, "warmup", "in [0, 1)",
          spec.warmup);
  require(spec.decay > 0 && spec.decay <= 1, "decay", "in (0, 1]", spec.decay);
  validate_milestones(spec.milestones);
  const auto& s = spec.schedule;
  if (s != "constant" && s != "step" && s != "cosine")
    throw input_error("optimizer.schedule: unknown schedule \"" + s +
                      "\" (expected constant, step or cosine)");
}

lr_schedule::lr_schedule(const optimizer_spec& spec, std::uint64_t total)
  : spec_(spec), total_(total) {
  validate(spec_);
}

double lr_schedule::at(std::uint64_t step) const {
  const double t = static_cast<double>(step);
  const double total = static_cast<double>(total_);
  const double warm = spec_.warmup * total; // not rounded: a smooth ramp
  if (t < warm)
    return spec_.lr * t / warm;
  if (spec_.schedule == "step") {
    // Milestones are fractions of the whole run, warm-up included.
    auto passed =
      std::count_if(spec_.milestones.begin(), spec_.milestones.end(),
                    [&](double m) { return t >= m * total; });
    return spec_.lr * std::pow(spec_.decay, static_cast<double>(passed));
  }
  if (spec_.schedule == "cosine" && total > warm) {
    const double progress = std::min(1.0, (t - warm) / (total - warm));
    return spec_.lr * 0.5 * (1 + std::cos(pi * progress));
  }
  return spec_.lr;
}

sgd::sgd(const optimizer_spec& spec, std::size_t num_params)
  : momentum_(spec.momentum), nesterov_(spec.nesterov) {
  validate(spec);
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
