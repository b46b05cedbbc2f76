#include "core/base/error.hpp"
#include "core/config/config.hpp"
#include "core/model/optimizer.hpp"

#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace murmur;

namespace {

using testing::contains;
using testing::error_of;

constexpr double pi = 3.14159265358979323846;

// Gradients for three steps of a two-parameter problem.
const std::vector<std::vector<float>> grads{
  {1.f, -2.f}, {0.5f, 0.25f}, {-1.f, 3.f}};

// Runs `opt` over `grads` at fixed parameters and returns each step's
// proposed update.
std::vector<vec> run(optimizer& opt, double lr,
                     const std::vector<float>& theta = {0.f, 0.f}) {
  std::vector<vec> out;
  for (const auto& g : grads) {
    vec u(2);
    opt.update(const_vec_map{theta.data(), 2}, const_vec_map{g.data(), 2}, lr,
               vec_map{u.data(), 2});
    out.push_back(u);
  }
  return out;
}

} // namespace

TEST_CASE("plain sgd proposes -lr g") {
  optimizer_spec spec;
  sgd opt{spec, 2};
  auto u = run(opt, 0.1);
  for (std::size_t k = 0; k < grads.size(); ++k)
    for (int i = 0; i < 2; ++i)
      CHECK(u[k][i] == doctest::Approx(-0.1 * grads[k][i]));
}

TEST_CASE("heavy ball and Nesterov follow PyTorch's recurrence") {
  for (bool nesterov : {false, true}) {
    CAPTURE(nesterov);
    optimizer_spec spec;
    spec.momentum = 0.9;
    spec.nesterov = nesterov;
    sgd opt{spec, 2};
    auto u = run(opt, 0.05);
    double m[2] = {0, 0};
    for (std::size_t k = 0; k < grads.size(); ++k)
      for (int i = 0; i < 2; ++i) {
        const double g = grads[k][i];
        m[i] = 0.9 * m[i] + g;
        const double want = nesterov ? -0.05 * (g + 0.9 * m[i]) : -0.05 * m[i];
        CHECK(u[k][i] == doctest::Approx(want).epsilon(1e-6));
      }
  }
}

TEST_CASE("step applies update's u in place, bit for bit, for every kind") {
  // 2500 parameters: two whole blocks of sgd's step and a partial one.
  constexpr Eigen::Index n = 2500;
  rng gen{3};
  std::normal_distribution<float> normal;
  auto random_vec = [&] {
    vec v(n);
    for (auto& x : v)
      x = normal(gen);
    return v;
  };
  auto spec_of = [](optimizer_kind kind, double momentum, bool nesterov) {
    optimizer_spec spec;
    spec.kind = kind;
    spec.momentum = momentum;
    spec.nesterov = nesterov;
    spec.weight_decay = kind == optimizer_kind::adamw ? 0.01 : 0;
    return spec;
  };
  for (auto spec : {spec_of(optimizer_kind::sgd, 0, false),
                    spec_of(optimizer_kind::sgd, 0.9, false),
                    spec_of(optimizer_kind::sgd, 0.9, true),
                    spec_of(optimizer_kind::adam, 0, false),
                    spec_of(optimizer_kind::adamw, 0, false)}) {
    CAPTURE(spec.momentum);
    CAPTURE(spec.nesterov);
    auto stepped = make_optimizer(spec, n);
    auto reference = make_optimizer(spec, n);
    vec theta = random_vec();
    vec want = theta;
    vec scratch(n), u(n);
    for (int k = 0; k < 4; ++k) { // the state carries over between steps
      const vec grad = random_vec();
      const double lr = 0.1 / (k + 1);
      reference->update(const_vec_map{want.data(), n},
                        const_vec_map{grad.data(), n}, lr,
                        vec_map{u.data(), n});
      want += u;
      stepped->step(vec_map{theta.data(), n}, const_vec_map{grad.data(), n}, lr,
                    vec_map{scratch.data(), n});
      CHECK(theta == want);
    }
  }
}

TEST_CASE("reset zeroes the momentum buffer") {
  for (bool nesterov : {false, true}) {
    CAPTURE(nesterov);
    optimizer_spec spec;
    spec.momentum = 0.5;
    spec.nesterov = nesterov;
    sgd opt{spec, 2};
    run(opt, 1.0);
    opt.reset();
    // A fresh buffer: m = g, so u = -lr g (heavy ball) or -lr (1 + mu) g.
    auto u = run(opt, 1.0);
    const double factor = nesterov ? 1.5 : 1.0;
    CHECK(u[0][0] == doctest::Approx(-factor * grads[0][0]));
    CHECK(u[0][1] == doctest::Approx(-factor * grads[0][1]));
  }
}

TEST_CASE("constant schedule with linear warm-up") {
  optimizer_spec spec;
  spec.lr = 0.2;
  spec.warmup = 0.1;
  lr_schedule s{spec, 1000}; // 100 warm-up steps
  CHECK(s.at(0) == 0);
  CHECK(s.at(50) == doctest::Approx(0.1));
  CHECK(s.at(99) == doctest::Approx(0.198));
  CHECK(s.at(100) == doctest::Approx(0.2));
  CHECK(s.at(999) == doctest::Approx(0.2));
}

TEST_CASE("step schedule decays at each milestone") {
  optimizer_spec spec;
  spec.lr = 1;
  spec.schedule = schedule_kind::step;
  spec.milestones = {0.5, 0.75};
  spec.decay = 0.1;
  lr_schedule s{spec, 200};
  CHECK(s.at(0) == 1);
  CHECK(s.at(99) == 1);
  CHECK(s.at(100) == doctest::Approx(0.1));
  CHECK(s.at(149) == doctest::Approx(0.1));
  CHECK(s.at(150) == doctest::Approx(0.01));
  CHECK(s.at(199) == doctest::Approx(0.01));
}

TEST_CASE("cosine schedule runs from lr to zero after warm-up") {
  optimizer_spec spec;
  spec.lr = 0.4;
  spec.schedule = schedule_kind::cosine;
  lr_schedule plain{spec, 100};
  CHECK(plain.at(0) == doctest::Approx(0.4));
  CHECK(plain.at(25) == doctest::Approx(0.2 * (1 + std::cos(pi / 4))));
  CHECK(plain.at(50) == doctest::Approx(0.2));
  CHECK(plain.at(100) == doctest::Approx(0).epsilon(1e-12));

  spec.warmup = 0.2;
  lr_schedule warm{spec, 100}; // ramp to step 20, cosine over 80 steps
  CHECK(warm.at(10) == doctest::Approx(0.2));
  CHECK(warm.at(20) == doctest::Approx(0.4));
  CHECK(warm.at(60) == doctest::Approx(0.2));
  CHECK(warm.at(100) == doctest::Approx(0).epsilon(1e-12));
}

TEST_CASE("optimizer keys name the offending field") {
  auto names = [](const char* assignment, const char* field) {
    auto message = error_of([&] { load_config("", {assignment}); });
    CAPTURE(message);
    return message.find(field) != std::string::npos;
  };
  CHECK(error_of([] { load_config("", {}); }).empty());
  CHECK(names("optimizer.lr=0", "optimizer.lr"));
  CHECK(names("optimizer.lr=inf", "optimizer.lr: must be a finite number"));
  CHECK(names("optimizer.momentum=1", "optimizer.momentum"));
  CHECK(names("optimizer.momentum=-0.1", "optimizer.momentum"));
  CHECK(names("optimizer.warmup=1", "optimizer.warmup"));
  CHECK(names("optimizer.decay=0", "optimizer.decay"));
  CHECK(names("optimizer.decay=1.5", "optimizer.decay"));
  CHECK(names("optimizer.milestones=[0.5, 0.3]", "optimizer.milestones"));
  CHECK(names("optimizer.milestones=[1.0]", "optimizer.milestones"));
  CHECK(names("optimizer.schedule=exp", "optimizer.schedule: unknown value"));
}

TEST_CASE("Adam and AdamW follow the published recursions") {
  // Kingma & Ba, Algorithm 1, and Loshchilov & Hutter's decoupled decay
  // (with the schedule multiplier folded into lr, as PyTorch does), in
  // double.
  for (auto kind : {optimizer_kind::adam, optimizer_kind::adamw}) {
    CAPTURE(to_string(kind));
    optimizer_spec spec;
    spec.kind = kind;
    spec.beta1 = 0.8;
    spec.beta2 = 0.95;
    spec.eps = 1e-3;
    spec.weight_decay = kind == optimizer_kind::adamw ? 0.1 : 0;
    const std::vector<float> theta{0.5f, -2.f};
    auto opt = make_optimizer(spec, 2);
    auto u = run(*opt, 0.01, theta);
    double m[2] = {0, 0}, v[2] = {0, 0};
    for (std::size_t k = 0; k < grads.size(); ++k) {
      const double t = static_cast<double>(k + 1);
      for (int i = 0; i < 2; ++i) {
        const double g = grads[k][i];
        m[i] = 0.8 * m[i] + 0.2 * g;
        v[i] = 0.95 * v[i] + 0.05 * g * g;
        const double mhat = m[i] / (1 - std::pow(0.8, t));
        const double vhat = v[i] / (1 - std::pow(0.95, t));
        const double want = -0.01 * mhat / (std::sqrt(vhat) + 1e-3) -
                            0.01 * spec.weight_decay * theta[i];
        CHECK(u[k][i] == doctest::Approx(want).epsilon(1e-5));
      }
    }
    // reset forgets both moments and the step count.
    opt->reset();
    auto again = run(*opt, 0.01, theta);
    for (std::size_t k = 0; k < grads.size(); ++k)
      CHECK(again[k] == u[k]);
  }
}

TEST_CASE("optimizer kinds reject the other kinds' keys") {
  CHECK(contains(
    error_of([] {
      load_config("", {"optimizer.kind=adam", "optimizer.momentum=0.9"});
    }),
    "optimizer.momentum: adam keeps its own moments"));
  CHECK(
    contains(error_of([] { load_config("", {"optimizer.weight_decay=0.01"}); }),
             "optimizer.weight_decay: decoupled weight decay is AdamW's"));
  CHECK(contains(error_of([] { load_config("", {"optimizer.beta2=1"}); }),
                 "optimizer.beta2: must be in [0, 1)"));
  CHECK(
    error_of([] {
      load_config("", {"optimizer.kind=adamw", "optimizer.weight_decay=0.01"});
    }).empty());
}
