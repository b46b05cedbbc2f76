#include "core/base/error.hpp"
#include "core/config/config.hpp"
#include "core/model/model.hpp"

#include "tests/scratch.hpp"

#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <vector>

using namespace murmur;

namespace {

using testing::contains;
using testing::error_of;

// Hand-built minibatch (shards.cpp is tested elsewhere).
struct toy_batch {
  row_matrix x;
  std::vector<std::int32_t> y;

  batch_view view() const {
    return {x.data(), y.data(), static_cast<std::size_t>(x.rows()),
            static_cast<std::size_t>(x.cols())};
  }
};

toy_batch random_batch(std::size_t rows, std::size_t dim, int classes,
                       std::uint64_t seed) {
  rng gen{seed};
  std::normal_distribution<float> normal;
  toy_batch b{row_matrix(rows, dim), std::vector<std::int32_t>(rows)};
  for (Eigen::Index i = 0; i < b.x.size(); ++i)
    b.x.data()[i] = normal(gen);
  for (auto& label : b.y)
    label = static_cast<std::int32_t>(gen() % classes);
  return b;
}

vec random_theta(std::size_t n, float scale, std::uint64_t seed) {
  rng gen{seed};
  std::uniform_real_distribution<float> uniform{-scale, scale};
  vec theta(n);
  for (auto& v : theta)
    v = uniform(gen);
  return theta;
}

// Straightforward per-sample oracle in double: same parameter layout (per
// layer W out x in row-major, then bias), ReLU, softmax cross-entropy.
struct reference {
  std::vector<int> widths; // dim, hidden..., classes
  double weight_decay = 0;

  struct sample_result {
    double loss = 0;
    std::size_t argmax = 0;
  };

  // Adds this sample's (unscaled) gradient into grad when grad is non-null.
  sample_result sample(const vec& theta, const float* x, int label,
                       std::vector<double>* grad) const {
    const std::size_t layers = widths.size() - 1;
    std::vector<std::vector<double>> a(layers + 1);
    std::vector<std::size_t> offset(layers + 1, 0);
    a[0].assign(x, x + widths[0]);
    std::size_t off = 0;
    for (std::size_t l = 1; l <= layers; ++l) {
      offset[l] = off;
      const int in = widths[l - 1], out = widths[l];
      a[l].assign(out, 0);
      for (int o = 0; o < out; ++o) {
        double z = theta[off + out * in + o];
        for (int i = 0; i < in; ++i)
          z += theta[off + o * in + i] * a[l - 1][i];
        a[l][o] = l < layers ? std::max(z, 0.0) : z;
      }
      off += static_cast<std::size_t>(out) * (in + 1);
    }
    auto& z = a[layers];
    const double mx = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (double v : z)
      sum += std::exp(v - mx);
    sample_result r;
    r.loss = mx + std::log(sum) - z[label];
    r.argmax = std::max_element(z.begin(), z.end()) - z.begin();
    if (grad == nullptr)
      return r;
    std::vector<double> delta(z.size());
    for (std::size_t k = 0; k < z.size(); ++k)
      delta[k] = std::exp(z[k] - mx) / sum - (static_cast<int>(k) == label);
    for (std::size_t l = layers; l >= 1; --l) {
      const int in = widths[l - 1], out = widths[l];
      std::vector<double> prev(in, 0);
      for (int o = 0; o < out; ++o) {
        (*grad)[offset[l] + out * in + o] += delta[o];
        for (int i = 0; i < in; ++i) {
          (*grad)[offset[l] + o * in + i] += delta[o] * a[l - 1][i];
          prev[i] += delta[o] * theta[offset[l] + o * in + i];
        }
      }
      for (int i = 0; i < in; ++i)
        prev[i] *= a[l - 1][i] > 0 ? 1 : 0;
      delta = prev;
    }
    return r;
  }

  double loss_and_gradient(const vec& theta, const toy_batch& b,
                           std::vector<double>& grad) const {
    grad.assign(theta.size(), 0);
    double loss = 0;
    const auto n = static_cast<double>(b.y.size());
    for (std::size_t s = 0; s < b.y.size(); ++s)
      loss += sample(theta, b.x.row(s).data(), b.y[s], &grad).loss;
    double norm2 = 0;
    for (Eigen::Index i = 0; i < theta.size(); ++i) {
      grad[i] = grad[i] / n + weight_decay * theta[i];
      norm2 += double{theta[i]} * theta[i];
    }
    return loss / n + 0.5 * weight_decay * norm2;
  }
};

double relative_error(const vec& got, const std::vector<double>& want) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff += (got[i] - want[i]) * (got[i] - want[i]);
    norm += want[i] * want[i];
  }
  return std::sqrt(diff / norm);
}

// Central finite differences of the model's own loss.
std::vector<double> numeric_gradient(const model& m, vec theta,
                                     const batch_view& b, float eps) {
  auto ws = m.make_workspace();
  vec scratch(theta.size());
  auto loss = [&] {
    return m.loss_and_gradient(const_vec_map{theta.data(), theta.size()}, b,
                               vec_map{scratch.data(), scratch.size()}, *ws);
  };
  std::vector<double> grad(theta.size());
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    const float saved = theta[i];
    theta[i] = saved + eps;
    const double up = loss();
    theta[i] = saved - eps;
    const double down = loss();
    theta[i] = saved;
    grad[i] = (up - down) / (2.0 * eps);
  }
  return grad;
}

struct gradient_run {
  double loss;
  vec grad;
};

gradient_run run_gradient(const model& m, const vec& theta, const batch_view& b,
                          workspace& ws) {
  gradient_run r{0, vec(theta.size())};
  r.loss = m.loss_and_gradient(const_vec_map{theta.data(), theta.size()}, b,
                               vec_map{r.grad.data(), r.grad.size()}, ws);
  return r;
}

gradient_run run_gradient(const model& m, const vec& theta,
                          const batch_view& b) {
  auto ws = m.make_workspace();
  return run_gradient(m, theta, b, *ws);
}

bool same_bits(const gradient_run& a, const gradient_run& b) {
  return a.loss == b.loss && a.grad.size() == b.grad.size() &&
         std::memcmp(a.grad.data(), b.grad.data(),
                     sizeof(float) * a.grad.size()) == 0;
}

template <class F>
auto with_threads(std::size_t n, F&& f) {
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism, n};
  return f();
}

} // namespace

TEST_CASE("parameter count follows the layer layout") {
  CHECK(make_model({}, sample_shape::flat(6), 4)->num_params() == 4 * 7);
  model_spec mlp{model_kind::mlp, {7, 5}, 0, {}, {}};
  CHECK(make_model(mlp, sample_shape::flat(6), 4)->num_params() ==
        7 * 7 + 5 * 8 + 4 * 6);
}

TEST_CASE("make_model rejects bad specs naming the field") {
  auto fails = [](model_spec spec, std::size_t dim = 6, int classes = 4) {
    return error_of(
      [&] { make_model(spec, sample_shape::flat(dim), classes); });
  };
  CHECK(testing::contains(error_of([] { load_config("", {"model.kind=cnn"}); }),
                          "model.kind: unknown value 'cnn'"));
  CHECK(fails({model_kind::mlp, {}, 0, {}, {}}).find("model.hidden") !=
        std::string::npos);
  CHECK(fails({model_kind::mlp, {8, 0}, 0, {}, {}}).find("model.hidden") !=
        std::string::npos);
  CHECK(fails({model_kind::softmax, {8}, 0, {}, {}}).find("model.hidden") !=
        std::string::npos);
  CHECK(testing::error_of([] {
          load_config("", {"model.weight_decay=-1e-3"});
        }).find("model.weight_decay") != std::string::npos);
  CHECK(testing::error_of([] {
          load_config("", {"model.weight_decay=nan"});
        }).find("model.weight_decay") != std::string::npos);
  CHECK(fails({model_kind::softmax, {}, 0, {}, {}}, 0).find("dimension") !=
        std::string::npos);
  CHECK(fails({model_kind::softmax, {}, 0, {}, {}}, 6, 1).find("classes") !=
        std::string::npos);
}

TEST_CASE("init: softmax at zero, mlp He-uniform with zero biases") {
  auto soft = make_model({}, sample_shape::flat(6), 4);
  vec theta = vec::Ones(soft->num_params());
  rng gen{1};
  soft->init(vec_map{theta.data(), theta.size()}, gen);
  CHECK(theta.isZero(0));

  auto mlp =
    make_model({model_kind::mlp, {7, 5}, 0, {}, {}}, sample_shape::flat(6), 4);
  vec a(mlp->num_params()), b(mlp->num_params());
  rng g1{42}, g2{42};
  mlp->init(vec_map{a.data(), a.size()}, g1);
  mlp->init(vec_map{b.data(), b.size()}, g2);
  CHECK(a == b);
  // Layer 1: 7x6 weights in (-sqrt(6/6), sqrt(6/6)), then 7 zero biases.
  CHECK(a.head(42).cwiseAbs().maxCoeff() < 1.f);
  CHECK(a.head(42).cwiseAbs().maxCoeff() > 0.5f);
  CHECK(a.segment(42, 7).isZero(0));
  // Layer 2: 5x7 weights bounded by sqrt(6/7).
  CHECK(a.segment(49, 35).cwiseAbs().maxCoeff() < std::sqrt(6.f / 7));
  CHECK(a.segment(84, 5).isZero(0));
  CHECK(a.tail(4).isZero(0));
}

TEST_CASE("gradients match central finite differences") {
  auto b = random_batch(9, 6, 4, 7);
  for (auto spec : {model_spec{model_kind::softmax, {}, 0.01, {}, {}},
                    model_spec{model_kind::mlp, {7, 5}, 0.01, {}, {}}}) {
    CAPTURE(spec.kind);
    auto m = make_model(spec, sample_shape::flat(6), 4);
    vec theta = random_theta(m->num_params(), 0.8f, 11);
    auto got = run_gradient(*m, theta, b.view());
    auto numeric = numeric_gradient(*m, theta, b.view(), 2e-3f);
    CHECK(relative_error(got.grad, numeric) < 1e-2);
    // The oracle also pins the loss value, L2 term included.
    reference ref{{6}, 0.01};
    ref.widths.insert(ref.widths.end(), spec.hidden.begin(), spec.hidden.end());
    ref.widths.push_back(4);
    std::vector<double> want;
    CHECK(got.loss ==
          doctest::Approx(ref.loss_and_gradient(theta, b, want)).epsilon(1e-5));
    CHECK(relative_error(got.grad, want) < 1e-5);
  }
}

TEST_CASE("chunked gradient of a large batch matches the serial oracle") {
  auto b = random_batch(2000, 20, 5, 3);
  auto m = make_model({model_kind::mlp, {16, 12}, 1e-3, {}, {}},
                      sample_shape::flat(20), 5);
  vec theta = random_theta(m->num_params(), 0.3f, 5);
  reference ref{{20, 16, 12, 5}, 1e-3};
  std::vector<double> want;
  const double want_loss = ref.loss_and_gradient(theta, b, want);

  auto one = with_threads(1, [&] { return run_gradient(*m, theta, b.view()); });
  auto two = with_threads(2, [&] { return run_gradient(*m, theta, b.view()); });
  auto again =
    with_threads(2, [&] { return run_gradient(*m, theta, b.view()); });
  CHECK(one.loss == doctest::Approx(want_loss).epsilon(1e-6));
  CHECK(relative_error(one.grad, want) < 1e-5);
  CHECK(same_bits(one, two));
  CHECK(same_bits(two, again));
}

TEST_CASE("a batch picked by an order gives the bits of its rows gathered") {
  // 300 of 600 rows in a scrambled order: more than one gradient chunk.
  auto all = random_batch(600, 8, 3, 31);
  std::vector<std::uint32_t> order(600);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), rng{32});
  order.resize(300);
  toy_batch gathered{row_matrix(300, 8), std::vector<std::int32_t>(300)};
  for (std::size_t i = 0; i < order.size(); ++i) {
    gathered.x.row(static_cast<Eigen::Index>(i)) =
      all.x.row(static_cast<Eigen::Index>(order[i]));
    gathered.y[i] = all.y[order[i]];
  }
  auto picked = all.view();
  picked.rows = order.size();
  picked.order = order.data();
  for (auto spec : {model_spec{model_kind::softmax, {}, 0.01, {}, {}},
                    model_spec{model_kind::mlp, {9}, 0, {}, {}}}) {
    auto m = make_model(spec, sample_shape::flat(8), 3);
    vec theta = random_theta(m->num_params(), 0.5f, 33);
    auto want = run_gradient(*m, theta, gathered.view());
    CHECK(same_bits(run_gradient(*m, theta, picked), want));
    CHECK(same_bits(run_gradient(*m, theta, picked.slice(0, 7)),
                    run_gradient(*m, theta, gathered.view().slice(0, 7))));
  }
}

TEST_CASE("a workspace reused across batch sizes gives fresh results") {
  auto big = random_batch(700, 8, 3, 21);
  auto small = random_batch(5, 8, 3, 22);
  auto m =
    make_model({model_kind::mlp, {9}, 0, {}, {}}, sample_shape::flat(8), 3);
  vec theta = random_theta(m->num_params(), 0.5f, 23);
  auto ws = m->make_workspace();
  auto small_fresh = run_gradient(*m, theta, small.view());
  auto big_fresh = run_gradient(*m, theta, big.view());
  auto small_first = run_gradient(*m, theta, small.view(), *ws);
  auto big_grown = run_gradient(*m, theta, big.view(), *ws);
  auto small_reused = run_gradient(*m, theta, small.view(), *ws);
  CHECK(same_bits(small_first, small_fresh));
  CHECK(same_bits(big_grown, big_fresh));
  CHECK(same_bits(small_reused, small_fresh));
}

TEST_CASE("evaluate matches a per-sample oracle, bit-identical per threads") {
  auto b = random_batch(1300, 10, 6, 9); // two full chunks and a partial one
  auto m =
    make_model({model_kind::mlp, {12}, 0.5, {}, {}}, sample_shape::flat(10), 6);
  vec theta = random_theta(m->num_params(), 0.6f, 4);
  const_vec_map view{theta.data(), theta.size()};
  reference ref{{10, 12, 6}, 0.5};
  double loss = 0, hits = 0;
  for (std::size_t s = 0; s < b.y.size(); ++s) {
    auto r = ref.sample(theta, b.x.row(s).data(), b.y[s], nullptr);
    loss += r.loss;
    hits += r.argmax == static_cast<std::size_t>(b.y[s]);
  }
  auto one = with_threads(1, [&] { return m->evaluate(view, b.view()); });
  auto two = with_threads(2, [&] { return m->evaluate(view, b.view()); });
  CHECK(one.accuracy == hits / 1300); // the L2 term never enters
  CHECK(one.loss == doctest::Approx(loss / 1300).epsilon(1e-6));
  CHECK(one.loss == two.loss);
  CHECK(one.accuracy == two.accuracy);
}

TEST_CASE("gradient descent separates a tiny problem") {
  // Four clusters at the corners of a square, one class each.
  toy_batch b{row_matrix(40, 2), std::vector<std::int32_t>(40)};
  rng gen{8};
  std::normal_distribution<float> jitter{0, 0.2f};
  for (int i = 0; i < 40; ++i) {
    b.y[i] = i % 4;
    b.x(i, 0) = (i % 2 ? 2.f : -2.f) + jitter(gen);
    b.x(i, 1) = (i % 4 < 2 ? 2.f : -2.f) + jitter(gen);
  }
  auto m = make_model({model_kind::softmax, {}, 1e-4, {}, {}},
                      sample_shape::flat(2), 4);
  vec theta(m->num_params()), grad(m->num_params());
  m->init(vec_map{theta.data(), theta.size()}, gen);
  const_vec_map view{theta.data(), theta.size()};
  const auto before = m->evaluate(view, b.view());
  auto ws = m->make_workspace();
  for (int step = 0; step < 200; ++step) {
    m->loss_and_gradient(view, b.view(), vec_map{grad.data(), grad.size()},
                         *ws);
    theta -= 0.5f * grad;
  }
  const auto after = m->evaluate(view, b.view());
  CHECK(before.accuracy < 0.5);
  CHECK(after.accuracy == 1.0);
  CHECK(after.loss < 0.1);
}

TEST_CASE("linear regression: gradient by finite differences, loss and R^2 "
          "in closed form") {
  // Rows of 6 inputs followed by 2 targets.
  auto b = random_batch(9, 8, 2, 5);
  auto m = make_model({model_kind::linear, {}, 0.01, {}, {}},
                      sample_shape::flat(8), 4, 2);
  REQUIRE(m->num_params() == (6 + 1) * 2);
  vec theta = random_theta(m->num_params(), 0.8f, 3);
  auto got = run_gradient(*m, theta, b.view());
  auto numeric = numeric_gradient(*m, theta, b.view(), 2e-3f);
  CHECK(relative_error(got.grad, numeric) < 1e-2);

  // Oracle in double, sample by sample.
  double sse = 0, sst = 0;
  Eigen::Vector2d mean = Eigen::Vector2d::Zero();
  for (Eigen::Index i = 0; i < 9; ++i)
    mean += b.x.row(i).tail(2).transpose().cast<double>() / 9;
  for (Eigen::Index i = 0; i < 9; ++i)
    for (Eigen::Index o = 0; o < 2; ++o) {
      double pred = theta[12 + o];
      for (Eigen::Index j = 0; j < 6; ++j)
        pred += double{theta[o * 6 + j]} * b.x(i, j);
      double y = b.x(i, 6 + o);
      sse += (pred - y) * (pred - y);
      sst += (y - mean[o]) * (y - mean[o]);
    }
  double l2 = 0.5 * 0.01 * theta.cast<double>().squaredNorm();
  CHECK(got.loss == doctest::Approx(0.5 * sse / 9 + l2).epsilon(1e-5));
  auto eval = m->evaluate({theta.data(), theta.size()}, b.view());
  CHECK(eval.loss == doctest::Approx(0.5 * sse / 9).epsilon(1e-5));
  CHECK(eval.accuracy == doctest::Approx(1 - sse / sst).epsilon(1e-5));
}

TEST_CASE("linear regression model kind must match the data set") {
  CHECK(testing::contains(testing::error_of([] {
                            make_model({model_kind::linear, {}, 0, {}, {}},
                                       sample_shape::flat(8), 4, 0);
                          }),
                          "synthetic-regression"));
  CHECK(testing::contains(testing::error_of([] {
                            make_model({model_kind::softmax, {}, 0, {}, {}},
                                       sample_shape::flat(8), 4, 1);
                          }),
                          "use \"linear\""));
}
