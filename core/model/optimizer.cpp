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
    s.add<optimizer_kind>(
      "optimizer.kind", [](C& c) -> optimizer_kind& { return c.kind; },
      "local update rule; its state stays with the agent");
    s.add<double>(
      "optimizer.lr", [](C& c) -> double& { return c.lr; }, "learning rate",
      positive());
    s.add<double>(
      "optimizer.momentum", [](C& c) -> double& { return c.momentum; },
      "sgd: local momentum (never communicated), in [0, 1)",
      in_range(0, 1, false, true));
    s.add<bool>(
      "optimizer.nesterov", [](C& c) -> bool& { return c.nesterov; },
      "sgd: Nesterov instead of heavy-ball momentum");
    s.add<double>(
      "optimizer.beta1", [](C& c) -> double& { return c.beta1; },
      "adam, adamw: decay of the first moment, in [0, 1)",
      in_range(0, 1, false, true));
    s.add<double>(
      "optimizer.beta2", [](C& c) -> double& { return c.beta2; },
      "adam, adamw: decay of the second moment, in [0, 1)",
      in_range(0, 1, false, true));
    s.add<double>(
      "optimizer.eps", [](C& c) -> double& { return c.eps; },
      "adam, adamw: added to the root of the second moment", positive());
    s.add<double>(
      "optimizer.weight_decay", [](C& c) -> double& { return c.weight_decay; },
      "adamw: decoupled weight decay, u -= lr x weight_decay x theta (an L2 "
      "term inside the loss is model.weight_decay)",
      in_range(0, 1e3));
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
  if (spec.kind != optimizer_kind::sgd && (spec.momentum > 0 || spec.nesterov))
    throw input_error("optimizer.momentum: " + to_string(spec.kind) +
                      " keeps its own moments (optimizer.beta1, "
                      "optimizer.beta2); remove optimizer.momentum and "
                      "optimizer.nesterov");
  if (spec.kind != optimizer_kind::adamw && spec.weight_decay > 0)
    throw input_error("optimizer.weight_decay: decoupled weight decay is "
                      "AdamW's (optimizer.kind = \"adamw\"); for an L2 term "
                      "in the loss set model.weight_decay");
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

void optimizer::step(vec_map theta, const_vec_map grad, double lr,
                     vec_map scratch) {
  update(const_vec_map{theta.data(), theta.size()}, grad, lr, scratch);
  theta += scratch;
}

void sgd::update_stretch(Eigen::Index first, const_vec_map grad, double lr,
                         vec_map u) {
  const auto step = static_cast<float>(-lr);
  if (momentum_ == 0) {
    u = step * grad;
    return;
  }
  const auto mu = static_cast<float>(momentum_);
  auto m = buffer_.segment(first, grad.size());
  m = mu * m + grad;
  if (nesterov_)
    u = step * (grad + mu * m);
  else
    u = step * m;
}

void sgd::update(const_vec_map, const_vec_map grad, double lr, vec_map u) {
  update_stretch(0, grad, lr, u);
}

void sgd::step(vec_map theta, const_vec_map grad, double lr, vec_map) {
  // The same expressions on each block as update and theta += u on the
  // whole vector, element by element: the same bits.
  constexpr Eigen::Index block = 1024;
  alignas(64) float u[block];
  for (Eigen::Index first = 0; first < theta.size(); first += block) {
    const auto n = std::min(block, theta.size() - first);
    update_stretch(first, const_vec_map{grad.data() + first, n}, lr,
                   vec_map{u, n});
    theta.segment(first, n) += vec_map{u, n};
  }
}

void sgd::reset() {
  buffer_.setZero();
}

adam::adam(const optimizer_spec& spec, std::size_t num_params)
  : beta1_(spec.beta1), beta2_(spec.beta2), eps_(spec.eps),
    decay_(spec.kind == optimizer_kind::adamw ? spec.weight_decay : 0),
    first_(vec::Zero(static_cast<Eigen::Index>(num_params))),
    second_(vec::Zero(static_cast<Eigen::Index>(num_params))) {}

void adam::update(const_vec_map theta, const_vec_map grad, double lr,
                  vec_map u) {
  ++steps_;
  const double t = static_cast<double>(steps_);
  const auto b1 = static_cast<float>(beta1_);
  const auto b2 = static_cast<float>(beta2_);
  first_ = b1 * first_ + (1 - b1) * grad;
  second_ = b2 * second_ + (1 - b2) * grad.cwiseAbs2();
  // Bias corrections in double: 1 - b2^t is tiny for the first steps.
  const auto step = static_cast<float>(lr / (1 - std::pow(beta1_, t)));
  const auto root = static_cast<float>(1 / std::sqrt(1 - std::pow(beta2_, t)));
  const auto eps = static_cast<float>(eps_);
  u = -step * (first_.array() / (second_.array().sqrt() * root + eps)).matrix();
  if (decay_ > 0)
    u -= static_cast<float>(lr * decay_) * theta;
}

void adam::reset() {
  first_.setZero();
  second_.setZero();
  steps_ = 0;
}

std::unique_ptr<optimizer> make_optimizer(const optimizer_spec& spec,
                                          std::size_t num_params) {
  if (spec.kind == optimizer_kind::sgd)
    return std::make_unique<sgd>(spec, num_params);
  return std::make_unique<adam>(spec, num_params);
}

std::size_t state_vectors(const optimizer_spec& spec) {
  if (spec.kind == optimizer_kind::sgd)
    return spec.momentum > 0 ? 1 : 0;
  return 2;
}

} // namespace murmur
