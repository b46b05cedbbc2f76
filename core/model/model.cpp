#include "core/model/model.hpp"

#include "core/base/error.hpp"

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
      "softmax regression, an MLP with ReLU hidden layers, or least squares "
      "(linear, for data.name = \"synthetic-regression\")");
    s.add<std::vector<int>>(
      "model.hidden", [](C& c) -> std::vector<int>& { return c.hidden; },
      "mlp: hidden layer widths, e.g. [100]");
    s.add<double>(
      "model.weight_decay", [](C& c) -> double& { return c.weight_decay; },
      "L2 coefficient inside the loss", in_range(0, 1e3));
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
}

std::unique_ptr<model> make_model(const model_spec& spec, std::size_t dim,
                                  int classes, std::size_t targets) {
  validate(spec);
  if ((spec.kind == model_kind::linear) != (targets > 0))
    throw input_error(
      "model.kind: \"" + to_string(spec.kind) + "\" does not suit " +
      (targets > 0 ? "a regression data set; use \"linear\""
                   : "a classification data set; use softmax or mlp (linear "
                     "needs data.name = \"synthetic-regression\")"));
  if (targets > 0)
    return make_linear_regression(dim - targets, targets, spec.weight_decay);
  check_sizes(dim, classes);
  if (spec.kind == model_kind::softmax)
    return make_softmax_regression(dim, classes, spec.weight_decay);
  return make_mlp(dim, spec.hidden, classes, spec.weight_decay);
}

} // namespace murmur
