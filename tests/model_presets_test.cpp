// Whole networks: the presets' sizes, gradients through every layer against
// finite differences, determinism across threads, and the config's layer
// lists (TOML, shape errors, memory estimate).
#include "core/config/config.hpp"
#include "core/model/benchmark.hpp"
#include "core/model/footprint.hpp"
#include "core/model/model.hpp"

#include "tests/scratch.hpp"

#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace murmur;

namespace {

using testing::contains;
using testing::error_of;

struct toy_batch {
  row_matrix x;
  std::vector<std::int32_t> y;

  batch_view view() const {
    return {x.data(), y.data(), static_cast<std::size_t>(x.rows()),
            static_cast<std::size_t>(x.cols())};
  }
};

// Images with pixels in [0, 1], as the data sets hold them.
toy_batch random_images(std::size_t rows, sample_shape shape, int classes,
                        std::uint64_t seed) {
  rng gen{seed};
  std::uniform_real_distribution<float> pixel{0, 1};
  toy_batch b{row_matrix(rows, shape.size()), std::vector<std::int32_t>(rows)};
  for (Eigen::Index i = 0; i < b.x.size(); ++i)
    b.x.data()[i] = pixel(gen);
  for (auto& label : b.y)
    label = static_cast<std::int32_t>(gen() % classes);
  return b;
}

model_spec preset(model_kind kind) {
  model_spec spec;
  spec.kind = kind;
  return spec;
}

vec initial(const model& m, std::uint64_t seed) {
  vec theta(static_cast<Eigen::Index>(m.num_params()));
  rng gen{seed};
  m.init({theta.data(), theta.size()}, gen);
  return theta;
}

struct gradient_run {
  double loss;
  vec grad;
};

gradient_run run_gradient(const model& m, const vec& theta,
                          const batch_view& b) {
  auto ws = m.make_workspace();
  gradient_run r{0, vec(theta.size())};
  r.loss = m.loss_and_gradient({theta.data(), theta.size()}, b,
                               {r.grad.data(), r.grad.size()}, *ws);
  return r;
}

bool same_bits(const gradient_run& a, const gradient_run& b) {
  return a.loss == b.loss && std::memcmp(a.grad.data(), b.grad.data(),
                                         sizeof(float) * a.grad.size()) == 0;
}

template <class F>
auto with_threads(std::size_t n, F&& f) {
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism, n};
  return f();
}

// Central differences of the model's own (float) loss at `count` evenly
// spread parameters; returns the relative L2 error of backprop there.
double finite_difference_error(const model& m, vec theta, const batch_view& b,
                               float h, Eigen::Index count) {
  auto exact = run_gradient(m, theta, b).grad;
  double diff = 0, norm = 0;
  const Eigen::Index step = std::max<Eigen::Index>(1, theta.size() / count);
  for (Eigen::Index i = 0; i < theta.size(); i += step) {
    const float saved = theta[i];
    theta[i] = saved + h;
    const double up = run_gradient(m, theta, b).loss;
    theta[i] = saved - h;
    const double down = run_gradient(m, theta, b).loss;
    theta[i] = saved;
    const double numeric = (up - down) / (2.0 * h);
    diff += std::pow(exact[i] - numeric, 2);
    norm += numeric * numeric;
  }
  return std::sqrt(diff / norm);
}

const sample_shape image{1, 28, 28};

std::string load_error(const std::string& toml) {
  testing::scratch_dir dir{"network-config"};
  auto path = dir.write("c.toml", toml);
  return error_of([&] { load_config(path.string(), {}); });
}

} // namespace

TEST_CASE("presets have PyTorch's parameter counts") {
  auto lenet = make_model(preset(model_kind::lenet5), image, 10);
  CHECK(lenet->num_params() == (6 * 25 + 6) + (16 * 6 * 25 + 16) +
                                 (400 * 120 + 120) + (120 * 84 + 84) +
                                 (84 * 10 + 10));
  // Convolutions without bias (GroupNorm shifts), GroupNorm 2 per channel.
  auto resnet = make_model(preset(model_kind::resnet8_gn), image, 10);
  const std::size_t stem = 16 * 9 + 32;
  const std::size_t stage1 = 2 * (16 * 16 * 9 + 32);
  const std::size_t stage2 =
    (32 * 16 * 9 + 64) + (32 * 32 * 9 + 64) + (32 * 16 + 64);
  const std::size_t stage3 =
    (64 * 32 * 9 + 128) + (64 * 64 * 9 + 128) + (64 * 32 + 128);
  CHECK(resnet->num_params() ==
        stem + stage1 + stage2 + stage3 + (64 * 10 + 10));
}

TEST_CASE("LeNet-5 and ResNet-8-GN gradients match finite differences") {
  auto b = random_images(2, image, 10, 3);
  for (auto kind : {model_kind::lenet5, model_kind::resnet8_gn}) {
    CAPTURE(to_string(kind));
    auto spec = preset(kind);
    spec.weight_decay = 1e-3;
    auto m = make_model(spec, image, 10);
    auto theta = initial(*m, 4);
    // Step 1e-3: larger ones feel the softmax's curvature and the kinks,
    // smaller ones the float rounding of the loss (measured: 8e-4 for
    // LeNet-5, 7e-3 for the residual net; a wrong gradient gives ~1).
    CHECK(finite_difference_error(*m, theta, b.view(), 1e-3f, 400) < 2e-2);
  }
}

TEST_CASE("same seed, same parameters, same gradients at 1 and 2 threads") {
  // 300 rows: two chunks, computed in parallel and summed in chunk order.
  const sample_shape small{1, 8, 8};
  auto b = random_images(300, image, 10, 5);
  auto tiny = random_images(300, small, 10, 6);
  for (auto kind : {model_kind::lenet5, model_kind::resnet8_gn}) {
    CAPTURE(to_string(kind));
    // The residual net on 8x8 images keeps the test's workspace small.
    const auto shape = kind == model_kind::lenet5 ? image : small;
    auto& batch = kind == model_kind::lenet5 ? b : tiny;
    auto m = make_model(preset(kind), shape, 10);
    auto theta = initial(*m, 7);
    CHECK(theta == initial(*m, 7));
    CHECK(theta != initial(*m, 8));
    auto one =
      with_threads(1, [&] { return run_gradient(*m, theta, batch.view()); });
    auto two =
      with_threads(2, [&] { return run_gradient(*m, theta, batch.view()); });
    CHECK(same_bits(one, two));
    // The chunks add up to the gradient of the whole batch.
    auto first = batch;
    first.x.conservativeResize(256, Eigen::NoChange);
    first.y.resize(256);
    auto rest = batch;
    rest.x = batch.x.bottomRows(44);
    rest.y.assign(batch.y.begin() + 256, batch.y.end());
    vec sum = (256 * run_gradient(*m, theta, first.view()).grad +
               44 * run_gradient(*m, theta, rest.view()).grad) /
              300;
    CHECK((sum - one.grad).norm() < 1e-5 * one.grad.norm());
  }
}

TEST_CASE("a multi-channel input is reordered for the layers") {
  // Three channels of 4x4: conv on the data set's rows must see channel c of
  // sample n where the data set stores it, [n][c][pixel].
  const sample_shape rgb{3, 4, 4};
  model_spec spec;
  spec.kind = model_kind::layers;
  layer_spec c;
  c.kind = layer_kind::conv2d;
  c.out = 1;
  c.kernel = 4;
  c.stride = 1;
  layer_spec f;
  f.kind = layer_kind::flatten;
  layer_spec l;
  l.kind = layer_kind::linear;
  l.out = 2;
  spec.layers = {c, f, l};
  auto m = make_model(spec, rgb, 2);
  auto b = random_images(3, rgb, 2, 9);
  vec theta = vec::Zero(m->num_params());
  // Conv weight 1 on channel 2 only, pixel (1, 2); bias 0. Linear: logit 0 =
  // the conv output, logit 1 = 0.
  theta[2 * 16 + 1 * 4 + 2] = 1;
  theta[49] = 1; // linear W [2, 1] after the conv's 48 weights and bias
  auto ws = m->make_workspace();
  vec grad(theta.size());
  auto b1 = b.view();
  for (std::size_t n = 0; n < 3; ++n) {
    batch_view one{b1.features + n * 48, b1.labels + n, 1, 48};
    const double z = b.x(n, 2 * 16 + 1 * 4 + 2);
    const double want =
      -(one.labels[0] == 0 ? z : 0) + std::log(std::exp(z) + 1.0);
    CHECK(m->loss_and_gradient({theta.data(), theta.size()}, one,
                               {grad.data(), grad.size()},
                               *ws) == doctest::Approx(want).epsilon(1e-6));
  }
}

TEST_CASE("gradient FLOPs: LeNet-5 counted by hand") {
  auto m = make_model(preset(model_kind::lenet5), image, 10);
  // Forward: 2 x out x patch x output pixels per convolution, 2 x in x out
  // per linear layer; backward: the weight gradient of every layer, the
  // input gradient of every layer but the first.
  const double conv1 = 2.0 * 6 * 25 * 28 * 28, conv2 = 2.0 * 16 * 150 * 100;
  const double fc = 2.0 * (400 * 120 + 120 * 84 + 84 * 10);
  const double per_sample = (conv1 + conv2 + fc) + (conv1 + 2 * conv2 + 2 * fc);
  CHECK(m->gradient_flops(32) == doctest::Approx(32 * per_sample));
  auto mlp = make_model({model_kind::mlp, {100}, 0, {}, {}}, image, 10);
  CHECK(mlp->gradient_flops(32) ==
        doctest::Approx(32 * 2.0 * (784 * 100 * 2 + 100 * 10 * 3)));
}

TEST_CASE("layer lists load from TOML, resolve defaults and round-trip") {
  testing::scratch_dir dir{"layers-toml"};
  auto path = dir.write("lenet.toml", R"(
[model]
kind = "layers"

[[model.layers]]
kind = "conv2d"
out = 6
kernel = 5
padding = 2

[[model.layers]]
kind = "relu"

[[model.layers]]
kind = "maxpool"
kernel = 2

[[model.layers]]
kind = "residual"
body = [{kind = "conv2d", out = 6, kernel = 3, padding = 1, bias = false},
        {kind = "groupnorm", groups = 3}]

[[model.layers]]
kind = "flatten"

[[model.layers]]
kind = "linear"
out = 10
)");
  auto cfg = load_config(path.string(), {});
  auto& layers = cfg.model.layers;
  REQUIRE(layers.size() == 6);
  CHECK(layers[0].kind == layer_kind::conv2d);
  CHECK(layers[0].stride == 1); // resolved defaults
  CHECK(layers[0].bias);
  CHECK(layers[2].stride == 2);
  CHECK(layers[3].body.size() == 2);
  CHECK(!layers[3].body[0].bias);
  CHECK(layers[3].shortcut.empty());
  std::ostringstream text;
  text << to_toml(cfg);
  auto again = config_from_text(text.str(), "resolved");
  CHECK(again.model.layers == layers);
  auto m = make_model(cfg.model, image, 10);
  CHECK(m->num_params() ==
        (6 * 25 + 6) + (6 * 6 * 9 + 12) + (6 * 14 * 14 * 10 + 10));
}

TEST_CASE("layers that do not chain fail at config load, naming the layer") {
  const std::string head = "[model]\nkind = \"layers\"\n";
  auto layers = [&](const std::string& list) {
    return load_error(head + "layers = [" + list + "]\n");
  };
  auto msg = layers("{kind = \"conv2d\", out = 6, kernel = 5}, "
                    "{kind = \"linear\", out = 10}");
  CHECK(contains(msg, "model.layers[1] (linear): needs flat features, got "
                      "6x24x24; put {kind = \"flatten\"} before it"));
  msg = layers("{kind = \"conv2d\", out = 6, kernel = 29}");
  CHECK(contains(msg, "model.layers[0] (conv2d): kernel 29 with padding 0 "
                      "does not fit the 1x28x28 input"));
  msg = layers("{kind = \"conv2d\", out = 6, kernel = 3}, "
               "{kind = \"groupnorm\", groups = 4}");
  CHECK(contains(msg, "model.layers[1] (groupnorm): groups = 4 does not "
                      "divide the 6 channels"));
  msg = layers("{kind = \"residual\", body = [{kind = \"conv2d\", out = 8, "
               "kernel = 3, stride = 2, padding = 1}]}");
  CHECK(contains(msg, "model.layers[0] (residual): the body outputs 8x14x14 "
                      "but the identity shortcut passes 1x28x28; add a "
                      "shortcut, e.g. shortcut = [{kind = \"conv2d\", out = "
                      "8, kernel = 1, stride = 2}]"));
  msg = layers("{kind = \"residual\", body = [{kind = \"relu\"}, "
               "{kind = \"linear\", out = 3}]}");
  CHECK(contains(msg, "model.layers[0].body[1] (linear): needs flat features"));
  msg = layers("{kind = \"flatten\"}, {kind = \"linear\", out = 7}");
  CHECK(contains(msg, "model.layers: the last layer outputs 7 features but "
                      "the data has 10 classes; end with {kind = \"linear\", "
                      "out = 10}"));
  msg = layers("{kind = \"maxpool\", kernel = 2, padding = 1}");
  CHECK(contains(msg, "model.layers[0].padding: not a key of maxpool"));
  msg = layers("{kind = \"conv2d\", out = 6}");
  CHECK(contains(msg, "model.layers[0].kernel: conv2d needs it"));
  msg = layers("{out = 6}");
  CHECK(contains(msg, "model.layers[0].kind: missing"));
  msg = layers("{kind = \"dense\"}");
  CHECK(contains(msg, "model.layers[0].kind: unknown value 'dense'"));
  msg = layers("{kind = \"conv2d\", out = 0, kernel = 3}");
  CHECK(contains(msg, "model.layers[0].out: must be in [1,"));
  CHECK(contains(load_error(head), "model.layers: model.kind = \"layers\" "
                                   "needs the list"));
  CHECK(contains(
    error_of([] {
      load_config("", {"model.kind=lenet5", "data.name=synthetic"});
    }),
    "model.kind = \"lenet5\", layers[0] (conv2d): needs an image input"));
  CHECK(contains(
    error_of([] { load_config("", {"model.layers=[{kind = \"relu\"}]"}); }),
    "model.layers: only model.kind = \"layers\" reads them"));
}

TEST_CASE("memory per agent: models, optimizer state, algorithm buffers") {
  optimizer_spec sgd;
  CHECK(bytes_per_agent(1000, sgd) == 2 * 1000 * 4);
  sgd.momentum = 0.9;
  CHECK(bytes_per_agent(1000, sgd, 3) == (2 + 1 + 3) * 1000 * 4);
  optimizer_spec adam;
  adam.kind = optimizer_kind::adam;
  CHECK(bytes_per_agent(1000, adam) == (2 + 2) * 1000 * 4);
  optimizer_spec adamw;
  adamw.kind = optimizer_kind::adamw;
  CHECK(bytes_per_agent(1000, adamw, 1) == (2 + 2 + 1) * 1000 * 4);
}

TEST_CASE("model_benchmark counts the step's and the GEMM's FLOPs") {
  // Arithmetic only: the timings themselves belong to `murmur bench`.
  model_bench_options o;
  o.batch = 8;
  o.repeats = 1;
  o.round_seconds = 1e-3;
  o.gemm_size = 16;
  auto r = model_benchmark(model_spec{}, image, 10, o);
  // Softmax regression: the logits' product and the weight gradient's.
  CHECK(r.flops_per_step == 2.0 * 8 * 784 * 10 * 2);
  CHECK(r.gemm_flops == 2.0 * 16 * 16 * 16);
  REQUIRE(r.microseconds_per_step > 0);
  REQUIRE(r.gemm_microseconds > 0);
  CHECK(r.gflops() ==
        doctest::Approx(r.flops_per_step / r.microseconds_per_step / 1e3));
  CHECK(r.gemm_fraction() == doctest::Approx(r.gflops() / r.gemm_gflops()));
}
