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

void check_spec(const model_spec& spec) {
  if (!(spec.weight_decay >= 0) || !std::isfinite(spec.weight_decay))
    throw input_error("model.weight_decay must be a finite number >= 0, got " +
                      std::to_string(spec.weight_decay));
  if (spec.kind == "softmax" && !spec.hidden.empty())
    throw input_error("model.hidden must be empty for kind \"softmax\" "
                      "(use kind = \"mlp\" for hidden layers)");
  if (spec.kind == "mlp" && spec.hidden.empty())
    throw input_error("model.hidden must list at least one layer width for "
                      "kind \"mlp\", e.g. [100]");
  for (int width : spec.hidden)
    if (width < 1)
      throw input_error("model.hidden: every width must be >= 1, got " +
                        std::to_string(width));
}

} // namespace

std::unique_ptr<model> make_model(const model_spec& spec, std::size_t dim,
                                  int classes, std::size_t targets) {
  if (spec.kind != "softmax" && spec.kind != "mlp" && spec.kind != "linear")
    throw input_error("model.kind: unknown model \"" + spec.kind +
                      "\" (expected softmax, mlp or linear)");
  check_spec(spec);
  if ((spec.kind == "linear") != (targets > 0))
    throw input_error(
      "model.kind: \"" + spec.kind + "\" does not suit " +
      (targets > 0 ? "a regression data set; use \"linear\""
                   : "a classification data set; use softmax or mlp (linear "
                     "needs data.name = \"synthetic-regression\")"));
  if (targets > 0)
    return make_linear_regression(dim - targets, targets, spec.weight_decay);
  check_sizes(dim, classes);
  if (spec.kind == "softmax")
    return make_softmax_regression(dim, classes, spec.weight_decay);
  return make_mlp(dim, spec.hidden, classes, spec.weight_decay);
}

} // namespace murmur
