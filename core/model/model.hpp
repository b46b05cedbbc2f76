#pragma once

#include "core/base/rng.hpp"
#include "core/base/schema.hpp"
#include "core/base/types.hpp"
#include "core/data/dataset.hpp"
#include "core/data/shards.hpp"

#include <memory>
#include <string>
#include <vector>

namespace murmur {

/// Scratch memory for one caller's forward/backward passes. Sized on first use
/// for the largest batch seen and reused after that, so steady-state steps do
/// not allocate.
class workspace {
public:
  virtual ~workspace() = default;
};

enum class model_kind { softmax, mlp, linear };

inline const enum_names<model_kind>& names_of(model_kind) {
  static const enum_names<model_kind> n{{"softmax", model_kind::softmax},
                                        {"mlp", model_kind::mlp},
                                        {"linear", model_kind::linear}};
  return n;
}

struct model_spec {
  model_kind kind = model_kind::softmax;
  std::vector<int> hidden; ///< mlp: hidden layer widths (ReLU)
  double weight_decay = 0; ///< L2 term (wd/2)||theta||^2 inside the loss
};

/// The model.* keys.
const schema<model_spec>& model_schema();

/// The rules between model.* keys (hidden layers exactly for an mlp, widths
/// >= 1); throws input_error naming the key.
void validate(const model_spec& spec);

struct eval_result {
  double loss = 0;     ///< mean cross-entropy (no L2 term)
  double accuracy = 0; ///< fraction of correctly classified samples
};

/// A differentiable classifier over one flat parameter vector. Stateless: the
/// parameters are passed in, so one model object serves every agent.
class model {
public:
  virtual ~model() = default;

  virtual std::size_t num_params() const = 0;

  /// Deterministic initialisation for a seeded generator.
  virtual void init(vec_map theta, rng& gen) const = 0;

  virtual std::unique_ptr<workspace> make_workspace() const = 0;

  /// Mean cross-entropy over the batch plus (weight_decay/2)||theta||^2.
  /// Writes the gradient of exactly that quantity into `grad`.
  virtual double loss_and_gradient(const_vec_map theta, const batch_view& b,
                                   vec_map grad, workspace& ws) const = 0;

  /// Loss and accuracy over `b`, computed in fixed-size chunks in parallel
  /// (oneTBB) and reduced in chunk order: same bytes whatever the threads.
  virtual eval_result evaluate(const_vec_map theta,
                               const batch_view& b) const = 0;
};

/// Builds the model for rows of `dim` features and `classes` outputs (for
/// regression data, the last `targets` of the `dim` columns are targets);
/// throws input_error for an unknown kind, a kind that does not suit the
/// data, or bad sizes.
std::unique_ptr<model> make_model(const model_spec& spec, std::size_t dim,
                                  int classes, std::size_t targets = 0);

/// How a layered model draws its initial parameters. Biases always start at 0.
enum class weight_init {
  zeros,      ///< convex models: no symmetry to break
  he_uniform, ///< ReLU nets: U(-b, b), b = sqrt(6 / fan_in) (Kaiming)
};

/// Fully connected network dim -> hidden[0] -> ... -> classes with ReLU
/// between layers and softmax cross-entropy on top. theta holds, layer after
/// layer, W (out x in, row-major) then its bias (out). The shared mechanism
/// behind make_softmax_regression and make_mlp; sizes are not validated here.
std::unique_ptr<model> make_layered_model(std::size_t dim,
                                          const std::vector<int>& hidden,
                                          int classes, double weight_decay,
                                          weight_init init);

/// Multinomial logistic regression: the layered model without hidden layers,
/// started at zero.
std::unique_ptr<model> make_softmax_regression(std::size_t dim, int classes,
                                               double weight_decay);

/// Least squares W x + b ~ y for `outputs` targets after `inputs` features,
/// started at zero; evaluate() reports R^2 as its accuracy.
std::unique_ptr<model> make_linear_regression(std::size_t inputs,
                                              std::size_t outputs,
                                              double weight_decay);

/// ReLU multilayer perceptron, He-uniform initialised.
std::unique_ptr<model> make_mlp(std::size_t dim, const std::vector<int>& hidden,
                                int classes, double weight_decay);

} // namespace murmur
