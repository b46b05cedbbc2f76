#include "core/algorithms/agent_context.hpp"

#include <atomic>
#include <map>

namespace murmur {

std::shared_ptr<vec> buffer_pool::acquire() {
  for (auto& buffer : buffers_) {
    if (buffer.use_count() == 1) {
      // Receivers released it on other threads; see their last reads before
      // we overwrite it.
      std::atomic_thread_fence(std::memory_order_acquire);
      return buffer;
    }
  }
  buffers_.push_back(std::make_shared<vec>(static_cast<Eigen::Index>(size_)));
  return buffers_.back();
}

vec* buffer_pool::writable(const blob& model) {
  // Ours alone: held by the pool and the caller, nobody else.
  for (auto& buffer : buffers_) {
    if (buffer == model) {
      if (buffer.use_count() != 2)
        return nullptr;
      std::atomic_thread_fence(std::memory_order_acquire);
      return buffer.get();
    }
  }
  return nullptr;
}

namespace {

workspace& thread_workspace(const model& net) {
  thread_local std::map<const model*, std::unique_ptr<workspace>> spaces;
  auto& ws = spaces[&net];
  if (!ws)
    ws = net.make_workspace();
  return *ws;
}

} // namespace

vec_map thread_scratch(std::size_t size, int slot) {
  thread_local vec slots[2];
  auto& v = slots[slot];
  if (static_cast<std::size_t>(v.size()) != size)
    v.resize(static_cast<Eigen::Index>(size));
  return {v.data(), v.size()};
}

agent_context::agent_context(agent_id id, std::size_t agents, const model& net,
                             const optimizer_spec& opt, const lr_schedule& lr,
                             std::vector<batch_stream> data, blob initial)
  : id_(id), agents_(agents), net_(net),
    opt_(make_optimizer(opt, static_cast<std::size_t>(initial->size()))),
    lr_(lr), data_(std::move(data)), x_(std::move(initial)),
    pool_(static_cast<std::size_t>(x_->size())) {}

vec& agent_context::writable_model() {
  if (auto* own = pool_.writable(x_))
    return *own;
  auto copy = pool_.acquire();
  *copy = *x_;
  x_ = copy;
  return *copy;
}

void agent_context::propose_step(vec_map u) {
  auto grad = thread_scratch(static_cast<std::size_t>(x_->size()), 1);
  const auto lr = lr_.at(steps_);
  gradient(grad, u);
  opt_->update(const_vec_map{x_->data(), x_->size()},
               const_vec_map{grad.data(), grad.size()}, lr, u);
}

void agent_context::gradient(vec_map grad, vec_map spare) {
  const_vec_map theta{x_->data(), x_->size()};
  auto& workspace = thread_workspace(net_);
  if (data_.size() == 1) {
    loss_sum_ +=
      net_.loss_and_gradient(theta, data_[0].next(), grad, workspace);
  } else {
    // Sum the pieces' gradients in `spare`, then average into grad.
    spare.setZero();
    for (auto& piece : data_) {
      loss_sum_ += net_.loss_and_gradient(theta, piece.next(), grad, workspace);
      spare += grad;
    }
    grad = spare / static_cast<float>(data_.size());
  }
  loss_steps_ += data_.size();
  steps_ += data_.size();
}

void agent_context::local_step() {
  const auto size = static_cast<std::size_t>(x_->size());
  auto grad = thread_scratch(size, 1);
  auto scratch = thread_scratch(size, 0);
  const auto lr = lr_.at(steps_);
  gradient(grad, scratch);
  auto& x = writable_model();
  opt_->step({x.data(), x.size()}, const_vec_map{grad.data(), grad.size()}, lr,
             scratch);
}

std::pair<double, std::uint64_t> agent_context::take_loss() {
  std::pair<double, std::uint64_t> result{
    loss_steps_ ? loss_sum_ / static_cast<double>(loss_steps_) : 0.0,
    loss_steps_};
  loss_sum_ = 0;
  loss_steps_ = 0;
  return result;
}

} // namespace murmur
