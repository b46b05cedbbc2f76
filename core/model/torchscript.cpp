// TorchScript classifiers through libtorch (model.kind = "torchscript").
// libtorch keeps a module's parameters as attributes of the module object;
// every thread gets its own clone of the module, whose parameter attributes
// are re-pointed at the caller's theta (and their gradients at the caller's
// grad) before each call, so agents' vectors stay the only copy.
#include "core/model/torchscript.hpp"
#include "core/base/error.hpp"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/script.h>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cassert>
#include <filesystem>
#include <limits>
#include <mutex>
#include <sstream>

namespace murmur {

namespace {

using torch::jit::Module;

// Fixed evaluation chunk, never derived from the thread count: the
// summation order, hence every bit of the result, is then the same however
// many threads run.
constexpr std::int64_t eval_chunk = 256;

// libtorch parallelises inside an operation with its own OpenMP and
// inter-op pools; murmur already runs one agent per core through oneTBB,
// so both are held at one thread, once per process. The graph executor's
// optimisations (profiling, fusion) are off: every call then runs the same
// operations whatever the batch size, in the same order.
void pin_libtorch() {
  static std::once_flag once;
  std::call_once(once, [] {
    at::set_num_threads(1);
    at::set_num_interop_threads(1);
    torch::jit::setGraphExecutorOptimize(false);
  });
}

std::string first_line(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10 ? c10->what_without_backtrace() : e.what();
  return text.substr(0, text.find('\n'));
}

std::string dims_text(const std::vector<std::int64_t>& dims) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < dims.size(); ++i)
    out << (i ? ", " : "") << dims[i];
  out << ']';
  return out.str();
}

// The module's input for `rows` samples: images as [rows, C, H, W], tabular
// rows as [rows, features].
std::vector<std::int64_t> input_dims(sample_shape s, std::int64_t rows) {
  if (s.height == 1 && s.width == 1)
    return {rows, s.channels};
  return {rows, s.channels, s.height, s.width};
}

torch::Tensor float_view(const float* data,
                         const std::vector<std::int64_t>& dims) {
  // libtorch has no const tensors; nothing here writes through this view.
  return torch::from_blob(const_cast<float*>(data), dims, torch::kFloat);
}

// One parameter attribute: the (sub)module object that owns it, its name
// there and its shape.
struct param_slot {
  Module owner;
  std::string name;
  std::vector<std::int64_t> dims;
  std::int64_t numel = 0;
};

// A thread's own clone of the module with its parameter slots in
// Module.parameters() order.
class bound_module {
public:
  explicit bound_module(Module clone) : module_(std::move(clone)) {
    at::init_num_threads(); // this thread's OpenMP width from pin_libtorch
    for (const auto& sub : module_.named_modules())
      for (const auto& p : sub.value.named_parameters(/*recurse=*/false))
        slots_.push_back(
          {sub.value, p.name, p.value.sizes().vec(), p.value.numel()});
  }

  /// Points the parameters at theta; with `grad`, they require gradients
  /// that accumulate into grad (zeroed here).
  void bind(const float* theta, float* grad) {
    for (auto& s : slots_) {
      auto p = float_view(theta, s.dims);
      if (grad) {
        std::fill(grad, grad + s.numel, 0.f);
        p.requires_grad_(true);
        p.mutable_grad() = torch::from_blob(grad, s.dims, torch::kFloat);
        grad += s.numel;
      }
      s.owner.setattr(s.name, p);
      theta += s.numel;
    }
  }

  torch::Tensor forward(const float* x, sample_shape shape, std::int64_t rows) {
    return module_.forward({float_view(x, input_dims(shape, rows))}).toTensor();
  }

private:
  Module module_;
  std::vector<param_slot> slots_;
};

class torchscript_workspace : public workspace {
public:
  explicit torchscript_workspace(Module clone) : bound(std::move(clone)) {}
  bound_module bound;
};

torch::Tensor label_tensor(const std::int32_t* labels, std::int64_t rows) {
  return torch::from_blob(const_cast<std::int32_t*>(labels), {rows},
                          torch::kInt)
    .to(torch::kLong);
}

Module load_module(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    throw input_error("model.path: no file \"" + path +
                      "\"; fix the path (relative to the working directory) "
                      "or write the examples with experiments/models/"
                      "write_models.py");
  try {
    auto m = torch::jit::load(path);
    m.eval();
    return m;
  } catch (const std::exception& e) {
    throw input_error("model.path: \"" + path +
                      "\" is not a TorchScript module (" + first_line(e) +
                      "); save one with torch.jit.save(torch.jit.script(net), "
                      "path)");
  }
}

// Refuses what agents could not share or murmur could not view as floats.
std::size_t check_parameters(const Module& m, const std::string& path) {
  for (const auto& b : m.named_buffers())
    throw input_error("model.path: \"" + path + "\" has buffers (" + b.name +
                      "): agents share only parameters, so running "
                      "statistics cannot be averaged; use GroupNorm in place "
                      "of BatchNorm");
  std::size_t count = 0;
  for (const auto& p : m.named_parameters()) {
    if (p.value.scalar_type() != torch::kFloat)
      throw input_error("model.path: parameter " + p.name + " of \"" + path +
                        "\" is not float32; save the module after net.float()");
    count += static_cast<std::size_t>(p.value.numel());
  }
  if (count == 0)
    throw input_error("model.path: \"" + path +
                      "\" has no parameters to "
                      "train; save a module with parameters");
  return count;
}

void check_output(Module& m, const std::string& path, sample_shape shape,
                  int classes) {
  const auto dims = input_dims(shape, 2);
  torch::NoGradGuard no_grad;
  torch::Tensor out;
  try {
    out = m.forward({torch::zeros(dims)}).toTensor();
  } catch (const std::exception& e) {
    throw input_error("model.path: \"" + path + "\" fails on inputs of shape " +
                      dims_text(dims) + " (" + first_line(e) +
                      "); its forward must take the data's samples and "
                      "return one tensor");
  }
  if (out.dim() != 2 || out.size(0) != 2 || out.size(1) != classes)
    throw input_error("model.path: \"" + path + "\" outputs " +
                      dims_text(out.sizes().vec()) + " for inputs " +
                      dims_text(dims) + " but the data has " +
                      std::to_string(classes) +
                      " classes; its last layer "
                      "must output [batch, " +
                      std::to_string(classes) + "]");
}

class torchscript_model final : public model {
public:
  torchscript_model(const std::string& path, sample_shape shape, int classes,
                    double weight_decay)
    : module_(load_module(path)), shape_(shape),
      weight_decay_(static_cast<float>(weight_decay)),
      eval_modules_([this] { return bound_module(clone()); }) {
    num_params_ = check_parameters(module_, path);
    check_output(module_, path, shape, classes);
  }

  std::size_t num_params() const override { return num_params_; }

  void init(vec_map theta, rng&) const override {
    float* out = theta.data();
    for (const auto& p : module_.parameters()) {
      auto c = p.contiguous();
      out = std::copy_n(c.data_ptr<float>(), c.numel(), out);
    }
  }

  std::unique_ptr<workspace> make_workspace() const override {
    return std::make_unique<torchscript_workspace>(clone());
  }

  double loss_and_gradient(const_vec_map theta, const batch_view& b,
                           vec_map grad, workspace& base) const override;
  eval_result evaluate(const_vec_map theta, const batch_view& b) const override;

  /// Unknown: the module's products are hidden in its graph.
  double gradient_flops(std::size_t) const override {
    return std::numeric_limits<double>::quiet_NaN();
  }

private:
  // Cloning registers types in the module's compilation unit, which is not
  // safe to do from two threads at once.
  Module clone() const {
    std::lock_guard<std::mutex> lock{clone_mutex_};
    return module_.clone();
  }

  Module module_;
  sample_shape shape_;
  float weight_decay_;
  std::size_t num_params_ = 0;
  mutable std::mutex clone_mutex_;
  mutable tbb::enumerable_thread_specific<bound_module> eval_modules_;
};

double torchscript_model::loss_and_gradient(const_vec_map theta,
                                            const batch_view& batch,
                                            vec_map grad,
                                            workspace& base) const {
  const auto b = matrix_rows(batch);
  assert(b.dim == shape_.size());
  auto& bound = static_cast<torchscript_workspace&>(base).bound;
  const auto rows = static_cast<std::int64_t>(b.rows);
  double loss = 0;
  if (rows == 0) {
    grad.setZero();
  } else {
    bound.bind(theta.data(), grad.data());
    auto z = bound.forward(b.features, shape_, rows);
    auto mean = torch::cross_entropy_loss(z, label_tensor(b.labels, rows));
    mean.backward();
    loss = mean.item<double>();
  }
  if (weight_decay_ > 0) {
    grad += weight_decay_ * theta;
    loss += 0.5 * weight_decay_ * static_cast<double>(theta.squaredNorm());
  }
  return loss;
}

eval_result torchscript_model::evaluate(const_vec_map theta,
                                        const batch_view& b) const {
  assert(b.dim == shape_.size());
  assert(b.is_matrix());
  const auto rows = static_cast<std::int64_t>(b.rows);
  const auto chunks =
    static_cast<std::size_t>((rows + eval_chunk - 1) / eval_chunk);
  std::vector<double> losses(chunks);
  std::vector<std::int64_t> hits(chunks);
  tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
    torch::NoGradGuard no_grad;
    auto& bound = eval_modules_.local();
    bound.bind(theta.data(), nullptr);
    const auto first = static_cast<std::int64_t>(c) * eval_chunk;
    const auto n = std::min(eval_chunk, rows - first);
    auto z = bound.forward(
      b.features + first * static_cast<std::int64_t>(b.dim), shape_, n);
    auto labels = label_tensor(b.labels + first, n);
    losses[c] = torch::cross_entropy_loss(z, labels, {}, at::Reduction::Sum)
                  .item<double>();
    hits[c] = z.argmax(1).eq(labels).sum().item<std::int64_t>();
  });
  eval_result result;
  if (rows == 0)
    return result;
  for (std::size_t c = 0; c < chunks; ++c) {
    result.loss += losses[c];
    result.accuracy += static_cast<double>(hits[c]);
  }
  result.loss /= static_cast<double>(rows);
  result.accuracy /= static_cast<double>(rows);
  return result;
}

} // namespace

bool torchscript_available() {
  return true;
}

std::unique_ptr<model> make_torchscript_model(const std::string& path,
                                              sample_shape shape, int classes,
                                              double weight_decay) {
  pin_libtorch();
  return std::make_unique<torchscript_model>(path, shape, classes,
                                             weight_decay);
}

} // namespace murmur
