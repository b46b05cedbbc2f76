#pragma once

#include "core/base/rng.hpp"
#include "core/base/schema.hpp"
#include "core/base/types.hpp"
#include "core/data/dataset.hpp"
#include "core/data/shards.hpp"
#include "core/model/layer_spec.hpp"

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

/// Every native classifier is a list of layers (model.layers for `layers`, a
/// preset otherwise); `torchscript` is a module saved by PyTorch
/// (model.path); `linear` is least-squares regression.
enum class model_kind {
  softmax,
  mlp,
  linear,
  layers,
  lenet5,
  resnet8_gn,
  torchscript
};

inline const enum_names<model_kind>& names_of(model_kind) {
  static const enum_names<model_kind> n{
    {"softmax", model_kind::softmax},
    {"mlp", model_kind::mlp},
    {"linear", model_kind::linear},
    {"layers", model_kind::layers},
    {"lenet5", model_kind::lenet5},
    {"resnet8-gn", model_kind::resnet8_gn},
    {"torchscript", model_kind::torchscript}};
  return n;
}

struct model_spec {
  model_kind kind = model_kind::softmax;
  std::vector<int> hidden;        ///< mlp: hidden layer widths (ReLU)
  double weight_decay = 0;        ///< L2 term (wd/2)||theta||^2 inside the loss
  std::vector<layer_spec> layers; ///< layers: input to logits, in order
  std::string path;               ///< torchscript: the .pt file
};

/// The model.* keys.
const schema<model_spec>& model_schema();

/// The rules between model.* keys (hidden layers exactly for an mlp, widths
/// >= 1, model.layers exactly for kind = "layers"); throws input_error naming
/// the key. model.path exactly for kind = "torchscript". Shapes are checked
/// by make_model, which knows the data's.
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
  /// Writes the gradient of exactly that quantity into `grad`. `b` may pick
  /// its rows from anywhere (a stream's minibatch).
  virtual double loss_and_gradient(const_vec_map theta, const batch_view& b,
                                   vec_map grad, workspace& ws) const = 0;

  /// Loss and accuracy over `b` (its rows consecutive: a data set or a part
  /// of one), computed in fixed-size chunks in parallel
  /// (oneTBB) and reduced in chunk order: same bytes whatever the threads.
  virtual eval_result evaluate(const_vec_map theta,
                               const batch_view& b) const = 0;

  /// Floating-point operations of the matrix products (2 per multiply-add)
  /// in one loss_and_gradient over `rows` samples: what runs at GEMM speed.
  virtual double gradient_flops(std::size_t rows) const = 0;
};

/// Builds the model for samples of `shape` and `classes` outputs (for
/// regression data, the last `targets` of the features are targets). Throws
/// input_error for an unknown kind, a kind that does not suit the data,
/// layers whose shapes do not chain (naming the layer, the shape it got and
/// a fix) or that do not end in one output per class. Cheap: it allocates no
/// parameters, so config checks build the model to validate it.
std::unique_ptr<model> make_model(const model_spec& spec, sample_shape shape,
                                  int classes, std::size_t targets = 0);

/// How a network draws its initial parameters.
enum class weight_init {
  zeros,      ///< convex models: no symmetry to break
  he_uniform, ///< ReLU nets: each layer's own init (layer::init)
};

/// The layers a classifier kind stands for on inputs of `shape`:
/// model.layers for `layers`; for the presets, with a flatten first where
/// the input is an image:
/// * softmax: linear(classes);
/// * mlp: (linear(h), relu) per hidden width, then linear(classes);
/// * lenet5 (LeCun et al. 1998, ReLU and max pooling, for 28x28 inputs):
///   conv 6@5x5 pad 2, relu, maxpool 2, conv 16@5x5, relu, maxpool 2,
///   flatten, linear 120, relu, linear 84, relu, linear(classes);
/// * resnet8-gn: conv 16@3x3, GroupNorm, relu, then three residual stages of
///   one basic block each (16, 32 and 64 channels; the last two stride 2,
///   with a 1x1 convolution and GroupNorm on the shortcut), global average
///   pooling, linear(classes); GroupNorm with 4 groups throughout and no
///   convolution biases (the normalisation's shift replaces them).
std::vector<layer_spec> layers_of(const model_spec& spec, sample_shape shape,
                                  int classes);

/// A classifier made of `layers` (softmax cross-entropy on their output,
/// which must be `classes` features) plus the L2 term. `where` names the
/// layer list in errors ("model.layers").
std::unique_ptr<model> make_network(const std::vector<layer_spec>& layers,
                                    sample_shape in, int classes,
                                    double weight_decay, weight_init init,
                                    const std::string& where);

/// Least squares W x + b ~ y for `outputs` targets after `inputs` features,
/// started at zero; evaluate() reports R^2 as its accuracy.
std::unique_ptr<model> make_linear_regression(std::size_t inputs,
                                              std::size_t outputs,
                                              double weight_decay);

} // namespace murmur
