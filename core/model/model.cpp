#include "core/model/model.hpp"

#include "core/base/error.hpp"
#include "core/model/torchscript.hpp"

#include <cmath>
#include <string>

namespace murmur {

namespace {

void check_sizes(std::size_t dim, int classes) {
  if (dim == 0)
    throw input_error("model: the data has no features (input dimension 0)");
  if (classes < 2)
    throw input_error("model: the data needs at least 2 classes, got " +
                      std::to_string(classes));
}

} // namespace

const schema<model_spec>& model_schema() {
  static const auto s = [] {
    using C = model_spec;
    schema<C> s;
    s.add<model_kind>(
      "model.kind", [](C& c) -> model_kind& { return c.kind; },
      "softmax regression, an MLP with ReLU hidden layers, least squares "
      "(linear, for data.name = \"synthetic-regression\"), the layers of "
      "model.layers, a preset CNN for 28x28 images: LeNet-5, or ResNet-8 "
      "with GroupNorm, or a PyTorch module saved as TorchScript (model.path; "
      "builds with libtorch only)");
    s.add<std::vector<int>>(
      "model.hidden", [](C& c) -> std::vector<int>& { return c.hidden; },
      "mlp: hidden layer widths, e.g. [100]");
    s.add<double>(
      "model.weight_decay", [](C& c) -> double& { return c.weight_decay; },
      "L2 coefficient inside the loss", in_range(0, 1e3));
    s.add<std::vector<layer_spec>>(
      "model.layers", [](C& c) -> std::vector<layer_spec>& { return c.layers; },
      "layers: the network from input to one output per class, e.g. "
      "[[model.layers]] kind = \"conv2d\" out = 6 kernel = 5 padding = 2; "
      "kinds and their keys: conv2d (out, kernel, stride = 1, padding = 0, "
      "bias = true), maxpool and avgpool (kernel, stride = kernel), relu, "
      "flatten, linear (out, bias = true), groupnorm (groups), residual "
      "(body, shortcut = identity: output body(x) + shortcut(x))");
    s.add<std::string>(
      "model.path", [](C& c) -> std::string& { return c.path; },
      "torchscript: the module's file (torch.jit.save), relative to the "
      "working directory, e.g. \"experiments/models/lenet5.pt\"");
    return s;
  }();
  return s;
}

void validate(const model_spec& spec) {
  if (spec.kind == model_kind::mlp && spec.hidden.empty())
    throw input_error("model.hidden: an mlp needs at least one hidden layer, "
                      "e.g. model.hidden = [100]");
  if (spec.kind != model_kind::mlp && !spec.hidden.empty())
    throw input_error("model.hidden: only model.kind = \"mlp\" has hidden "
                      "layers; remove model.hidden or use kind = \"mlp\"");
  for (int width : spec.hidden)
    if (width < 1)
      throw input_error("model.hidden: every width must be >= 1, got " +
                        std::to_string(width));
  if (spec.kind == model_kind::layers && spec.layers.empty())
    throw input_error("model.layers: model.kind = \"layers\" needs the list, "
                      "e.g. [[model.layers]] kind = \"linear\" out = 10");
  if (spec.kind != model_kind::layers && !spec.layers.empty())
    throw input_error("model.layers: only model.kind = \"layers\" reads them; "
                      "remove model.layers or set model.kind = \"layers\"");
  if (spec.kind == model_kind::torchscript && spec.path.empty())
    throw input_error("model.path: model.kind = \"torchscript\" needs the "
                      "module's file, e.g. model.path = "
                      "\"experiments/models/lenet5.pt\"");
  if (spec.kind != model_kind::torchscript && !spec.path.empty())
    throw input_error("model.path: only model.kind = \"torchscript\" reads "
                      "it; remove model.path or set model.kind = "
                      "\"torchscript\"");
}

std::unique_ptr<model> make_model(const model_spec& spec, sample_shape shape,
                                  int classes, std::size_t targets) {
  validate(spec);
  if ((spec.kind == model_kind::linear) != (targets > 0))
    throw input_error(
      "model.kind: \"" + to_string(spec.kind) + "\" does not suit " +
      (targets > 0 ? "a regression data set; use \"linear\""
                   : "a classification data set; use a classifier (linear "
                     "needs data.name = \"synthetic-regression\")"));
  const auto dim = shape.size();
  if (targets > 0)
    return make_linear_regression(dim - targets, targets, spec.weight_decay);
  check_sizes(dim, classes);
  if (spec.kind == model_kind::torchscript)
    return make_torchscript_model(spec.path, shape, classes, spec.weight_decay);
  const auto where =
    spec.kind == model_kind::layers
      ? std::string{"model.layers"}
      : "model.kind = \"" + to_string(spec.kind) + "\", layers";
  return make_network(
    layers_of(spec, shape, classes), shape, classes, spec.weight_decay,
    spec.kind == model_kind::softmax ? weight_init::zeros
                                     : weight_init::he_uniform,
    where);
}

} // namespace murmur
