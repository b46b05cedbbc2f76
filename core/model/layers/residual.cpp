// A residual block (He et al., CVPR 2016): y = F(x) + s(x), with F the
// `body` and s the `shortcut` (the identity when none is given, else e.g. a
// strided 1x1 convolution and a normalisation, PyTorch's `downsample`). The
// ReLU that usually follows is a layer of its own. Parameters: the body's,
// then the shortcut's.
#include "core/model/layers/sequence.hpp"

namespace murmur {

namespace {

class residual final : public layer {
public:
  residual(tensor_shape in, std::unique_ptr<sequence> body,
           std::unique_ptr<sequence> shortcut)
    : layer(in, body->output()), body_(std::move(body)),
      shortcut_(std::move(shortcut)) {}

  std::size_t num_params() const override {
    return body_->num_params() + (shortcut_ ? shortcut_->num_params() : 0);
  }

  void init(float* theta, rng& gen) const override {
    body_->init(theta, gen);
    if (shortcut_)
      shortcut_->init(theta + body_->num_params(), gen);
  }

  // The body's arena, then the shortcut's and its input gradient.
  std::size_t scratch_floats(std::size_t rows) const override {
    return body_->arena_floats(rows) + shortcut_floats(rows);
  }

  void forward(const float* theta, const float* in, float* out,
               std::size_t rows, float* scratch) const override {
    const float* f = body_->forward(theta, in, rows, scratch);
    const float* s = shortcut_
                       ? shortcut_->forward(shortcut_theta(theta), in, rows,
                                            shortcut_arena(scratch, rows))
                       : in;
    const auto n = static_cast<Eigen::Index>(rows * output().size());
    vec_map{out, n} = const_vec_map{f, n} + const_vec_map{s, n};
  }

  void backward(const float* theta, const float* in, const float*,
                const float* dout, float* din, float* grad, std::size_t rows,
                float* scratch) const override {
    body_->backward(theta, in, dout, din, grad, rows, scratch);
    const auto n = static_cast<Eigen::Index>(rows * input().size());
    if (!shortcut_) {
      if (din != nullptr)
        vec_map{din, n} += const_vec_map{dout, n};
      return;
    }
    float* arena = shortcut_arena(scratch, rows);
    float* dshort = din ? arena + shortcut_->arena_floats(rows) : nullptr;
    shortcut_->backward(shortcut_theta(theta), in, dout, dshort,
                        grad + body_->num_params(), rows, arena);
    if (din != nullptr)
      vec_map{din, n} += const_vec_map{dshort, n};
  }

  double forward_flops(std::size_t rows) const override {
    return body_->forward_flops(rows) +
           (shortcut_ ? shortcut_->forward_flops(rows) : 0);
  }
  double backward_flops(std::size_t rows, bool input_grad) const override {
    return body_->backward_flops(rows, input_grad) +
           (shortcut_ ? shortcut_->backward_flops(rows, input_grad) : 0);
  }

private:
  std::size_t shortcut_floats(std::size_t rows) const {
    return shortcut_ ? shortcut_->arena_floats(rows) + rows * input().size()
                     : 0;
  }
  const float* shortcut_theta(const float* theta) const {
    return theta + body_->num_params();
  }
  float* shortcut_arena(float* scratch, std::size_t rows) const {
    return scratch + body_->arena_floats(rows);
  }

  std::unique_ptr<sequence> body_;
  std::unique_ptr<sequence> shortcut_; // null: the identity
};

} // namespace

std::unique_ptr<layer> make_residual(const layer_spec& spec, tensor_shape in,
                                     const std::string& where) {
  auto body = std::make_unique<sequence>(spec.body, in, where + ".body");
  std::unique_ptr<sequence> shortcut;
  if (!spec.shortcut.empty())
    shortcut =
      std::make_unique<sequence>(spec.shortcut, in, where + ".shortcut");
  const auto passed = shortcut ? shortcut->output() : in;
  const auto out = body->output();
  if (out == passed)
    return std::make_unique<residual>(in, std::move(body), std::move(shortcut));
  if (shortcut)
    shape_error(where, spec.kind,
                "the body outputs " + to_string(out) +
                  " but the shortcut outputs " + to_string(passed) +
                  "; make them agree");
  const int stride = out.height > 0 ? in.height / out.height : 1;
  shape_error(
    where, spec.kind,
    "the body outputs " + to_string(out) +
      " but the identity shortcut passes " + to_string(in) +
      "; add a shortcut, e.g. shortcut = [{kind = \"conv2d\", out = " +
      std::to_string(out.channels) + ", kernel = 1" +
      (stride > 1 ? ", stride = " + std::to_string(stride) : "") + "}]");
}

} // namespace murmur
