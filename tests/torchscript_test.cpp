// TorchScript models (model.kind = "torchscript") through libtorch, and
// libtorch as the oracle for the native layers' hand-written backprop: the
// same architecture built natively and loaded from a .pt file written by
// experiments/models/write_models.py gives the same loss and gradient on
// the same parameters and batch. Skipped, visibly, in builds without
// libtorch (MURMUR_TORCH off).
#include "core/base/error.hpp"
#include "core/config/config.hpp"
#include "core/model/model.hpp"
#include "core/model/torchscript.hpp"
#include "experiments/cli/run_command.hpp"
#include "tests/engines_match.hpp"
#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>

using namespace murmur;

namespace {

constexpr const char* no_torch = "this build has no libtorch (MURMUR_TORCH)";

std::string example(const std::string& name) {
  return MURMUR_SOURCE_DIR "/experiments/models/" + name;
}

std::string fixture(const std::string& name) {
  return MURMUR_SOURCE_DIR "/tests/fixtures/torchscript/" + name;
}

model_spec torchscript(const std::string& path, double weight_decay = 0) {
  model_spec spec;
  spec.kind = model_kind::torchscript;
  spec.path = path;
  spec.weight_decay = weight_decay;
  return spec;
}

model_spec preset(model_kind kind, std::vector<int> hidden = {}) {
  model_spec spec;
  spec.kind = kind;
  spec.hidden = std::move(hidden);
  return spec;
}

layer_spec layer(layer_kind kind, int out = 0, int kernel = 0, int stride = 0,
                 int padding = 0, bool bias = true) {
  layer_spec s;
  s.kind = kind;
  s.out = out;
  s.kernel = kernel;
  s.stride = stride;
  s.padding = padding;
  s.bias = bias;
  return s;
}

/// write_models.py's zoo(): what the presets leave out.
model_spec zoo() {
  auto norm = layer(layer_kind::groupnorm);
  norm.groups = 2;
  model_spec spec;
  spec.kind = model_kind::layers;
  spec.layers = {layer(layer_kind::conv2d, 4, 3, 2, 1, false),
                 norm,
                 layer(layer_kind::relu),
                 layer(layer_kind::maxpool, 0, 3, 2),
                 layer(layer_kind::avgpool, 0, 2, 1),
                 layer(layer_kind::flatten),
                 layer(layer_kind::linear, 12, 0, 0, 0, false),
                 layer(layer_kind::relu),
                 layer(layer_kind::linear, 10)};
  return spec;
}

/// Random samples (pixels in [0, 1]) and labels, and random parameters of
/// scale 0.3 (GroupNorm scales included, so no layer is the identity).
struct problem {
  row_matrix x;
  std::vector<std::int32_t> labels;
  vec theta;

  problem(sample_shape shape, int classes, std::size_t rows, std::size_t params,
          std::uint64_t seed)
    : x(static_cast<Eigen::Index>(rows),
        static_cast<Eigen::Index>(shape.size())),
      labels(rows), theta(static_cast<Eigen::Index>(params)) {
    rng gen{seed};
    std::uniform_real_distribution<float> unit{0, 1}, weight{-0.3f, 0.3f};
    for (Eigen::Index i = 0; i < x.size(); ++i)
      x.data()[i] = unit(gen);
    for (auto& l : labels)
      l = static_cast<std::int32_t>(gen() % static_cast<unsigned>(classes));
    for (Eigen::Index i = 0; i < theta.size(); ++i)
      theta[i] = weight(gen);
  }

  batch_view batch() const {
    return {x.data(), labels.data(), labels.size(),
            static_cast<std::size_t>(x.cols())};
  }
};

struct loss_gradient {
  double loss;
  vec grad;
};

loss_gradient gradient_of(const model& m, const problem& p) {
  auto ws = m.make_workspace();
  loss_gradient r{0, vec(p.theta.size())};
  // Garbage in grad first: the model must overwrite it, not add to it.
  r.grad.setConstant(7.f);
  r.loss = m.loss_and_gradient({p.theta.data(), p.theta.size()}, p.batch(),
                               {r.grad.data(), r.grad.size()}, *ws);
  return r;
}

/// Native against TorchScript on one batch: loss and gradient to float
/// tolerance (the gradient relative to its largest entry), and evaluate.
void check_oracle(const model_spec& native_spec, const model_spec& torch_spec,
                  sample_shape shape, int classes, std::size_t rows) {
  auto native = make_model(native_spec, shape, classes);
  auto torch = make_model(torch_spec, shape, classes);
  REQUIRE(native->num_params() == torch->num_params());
  problem p{shape, classes, rows, native->num_params(), 42};
  auto want = gradient_of(*native, p);
  auto got = gradient_of(*torch, p);
  CHECK(got.loss == doctest::Approx(want.loss).epsilon(1e-5));
  const float scale = want.grad.cwiseAbs().maxCoeff();
  REQUIRE(scale > 0);
  CHECK((got.grad - want.grad).cwiseAbs().maxCoeff() / scale < 1e-4f);
  const_vec_map theta{p.theta.data(), p.theta.size()};
  auto a = native->evaluate(theta, p.batch());
  auto b = torch->evaluate(theta, p.batch());
  CHECK(b.loss == doctest::Approx(a.loss).epsilon(1e-5));
  // A near-tie may tip either way in float: at most one sample apart.
  CHECK(std::abs(b.accuracy - a.accuracy) * rows <= 1.0 + 1e-9);
}

const sample_shape image{1, 28, 28};

std::vector<std::string> synthetic_sets(const std::string& out) {
  return {"data.name=synthetic",
          "data.synthetic.dim=6",
          "data.synthetic.classes=4",
          "model.kind=torchscript",
          "model.path=\"" + fixture("tabular_mlp.pt") + "\"",
          "clock.kind=virtual",
          "cost.step_seconds=0.1",
          "cost.speed=lognormal",
          "run.agents=8",
          "run.rounds=30",
          "run.eval_every=10",
          "optimizer.lr=0.2",
          "optimizer.momentum=0.5",
          "run.output=\"" + out + "\"",
          "run.name=ts"};
}

void check_refused(const model_spec& spec, sample_shape shape, int classes,
                   const std::string& says) {
  try {
    make_model(spec, shape, classes);
    FAIL("accepted ", spec.path);
  } catch (const input_error& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.rfind("model.", 0) == 0); // names the key
    CHECK(what.find(says) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos); // one line
  }
}

} // namespace

TEST_CASE("torchscript oracle: softmax regression and the MLP") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  check_oracle(preset(model_kind::softmax), torchscript(example("softmax.pt")),
               image, 10, 16);
  check_oracle(preset(model_kind::mlp, {100}),
               torchscript(example("mlp100.pt")), image, 10, 16);
}

TEST_CASE("torchscript oracle: tabular rows, weight decay, chunked batches") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  auto native = preset(model_kind::mlp, {5});
  native.weight_decay = 1e-2;
  // 300 rows: the native network splits them into parallel chunks.
  check_oracle(native, torchscript(fixture("tabular_mlp.pt"), 1e-2),
               sample_shape::flat(6), 4, 300);
}

TEST_CASE("torchscript oracle: LeNet-5") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  check_oracle(preset(model_kind::lenet5), torchscript(example("lenet5.pt")),
               image, 10, 8);
}

TEST_CASE("torchscript oracle: ResNet-8 with GroupNorm") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  check_oracle(preset(model_kind::resnet8_gn),
               torchscript(example("resnet8-gn.pt")), image, 10, 4);
}

TEST_CASE("torchscript oracle: strided and biasless layers, uneven pools") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  check_oracle(zoo(), torchscript(fixture("zoo.pt")), image, 10, 8);
}

TEST_CASE("torchscript: init starts from the file's parameters") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  auto m = make_model(torchscript(fixture("tabular_mlp.pt")),
                      sample_shape::flat(6), 4);
  REQUIRE(m->num_params() == 6 * 5 + 5 + 5 * 4 + 4);
  vec a(static_cast<Eigen::Index>(m->num_params())), b(a.size());
  rng one{1}, two{2};
  m->init({a.data(), a.size()}, one);
  m->init({b.data(), b.size()}, two);
  CHECK(a == b); // the seed plays no part
  // PyTorch's default init draws weights in +-1/sqrt(fan_in) = +-0.41.
  CHECK(a.head(30).cwiseAbs().maxCoeff() > 0.1f);
  CHECK(a.head(30).cwiseAbs().maxCoeff() <= 1 / std::sqrt(6.f));
}

TEST_CASE("torchscript: bad files and mismatches are refused in one line") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  check_refused(torchscript(fixture("absent.pt")), image, 10, "no file");
  check_refused(torchscript(fixture("corrupt.pt")), image, 10,
                "is not a TorchScript module");
  check_refused(torchscript(fixture("batchnorm.pt")), image, 10, "has buffers");
  check_refused(torchscript(fixture("seven_classes.pt")), image, 10,
                "outputs [2, 7]");
  check_refused(torchscript(example("lenet5.pt")), sample_shape::flat(6), 10,
                "fails on inputs of shape [2, 6]");
  check_refused(torchscript(""), image, 10, "needs the module's file");
  auto stray = preset(model_kind::softmax);
  stray.path = example("softmax.pt");
  check_refused(stray, image, 10, "only model.kind = \"torchscript\"");
}

TEST_CASE("torchscript without libtorch: one line saying how to enable it") {
  if (torchscript_available())
    return testing::skip("this build has libtorch (MURMUR_TORCH)");
  check_refused(torchscript(example("softmax.pt")), image, 10,
                "setup.sh --torch");
}

TEST_CASE("a torchscript model trains: actors match lock-step bit for bit") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  testing::scratch_dir dir{"torchscript-engines"};
  testing::check_actors_match_lockstep(
    load_config("", synthetic_sets(dir.path().string())), 4); // 0, 10, 20, 30
}

TEST_CASE("a virtual torchscript run is byte-identical with 1 and 2 threads") {
  if (!torchscript_available())
    return testing::skip(no_torch);
  testing::scratch_dir dir{"torchscript-threads"};
  auto one = load_config("", synthetic_sets(dir.path().string()));
  one.run.threads = 1;
  auto two = one;
  two.run.threads = 2;
  auto a = run_experiment(one, false);
  auto b = run_experiment(two, false);
  auto csv = testing::slurp(a.folder / "metrics.csv");
  CHECK(csv.size() > 200);
  CHECK(csv == testing::slurp(b.folder / "metrics.csv"));
  CHECK(a.rows.back().test_loss < a.rows.front().test_loss);
}
