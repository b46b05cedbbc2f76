#pragma once

#include "core/base/types.hpp"
#include "core/data/shards.hpp"
#include "core/model/model.hpp"
#include "core/model/optimizer.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace murmur {

/// Model buffers an agent reuses once nobody else holds them any more, so a
/// steady-state round allocates nothing.
class buffer_pool {
public:
  explicit buffer_pool(std::size_t size) : size_(size) {}

  /// A buffer of the pool's size that no one else references (contents
  /// unspecified).
  std::shared_ptr<vec> acquire();

  /// `model` for writing in place when it is one of this pool's buffers and
  /// no one but the caller holds it; null otherwise (a model shared with
  /// receivers, or one the pool does not own, such as the common x^0).
  vec* writable(const blob& model);

private:
  std::size_t size_;
  std::vector<std::shared_ptr<vec>> buffers_;
};

/// The state of one agent that every algorithm shares: its model, optimizer,
/// data stream and bookkeeping. Owned by the agent's trainer (or by the
/// lock-step loop); algorithms keep their extra state themselves.
class agent_context {
public:
  /// `data` holds one stream over the agent's whole shard, or one per piece
  /// of it (GOCO's coded step: one minibatch from each replicated
  /// partition).
  agent_context(agent_id id, std::size_t agents, const model& net,
                const optimizer_spec& opt, const lr_schedule& lr,
                std::vector<batch_stream> data, blob initial);

  agent_id id() const { return id_; }
  std::size_t agents() const { return agents_; }
  const model& net() const { return net_; }

  /// The current model, shareable with receivers.
  blob shared_model() const { return x_; }
  const vec& x() const { return *x_; }

  /// The model for writing; copies it into one of the agent's buffers first
  /// if someone else still holds it (or it is not the agent's own).
  vec& writable_model();

  /// Replaces the model (e.g. with the result of mixing, or a model
  /// received: it is copied only if the agent writes to it).
  void set_model(blob next) { x_ = std::move(next); }

  /// A buffer no one else holds, for building the next model.
  std::shared_ptr<vec> fresh_buffer() { return pool_.acquire(); }

  /// One minibatch gradient at the current model from each data stream,
  /// averaged (one stream: plain SGD's gradient; d pieces: the coded
  /// gradient (1/d) sum_j grad f_j), turned into the optimizer's proposed
  /// update `u` (x + u is the local step). Counts one step and one loss per
  /// minibatch.
  void propose_step(vec_map u);

  /// Applies one local optimizer step to the model in place.
  void local_step();

  /// Minibatch gradients computed so far.
  std::uint64_t steps() const { return steps_; }

  /// Zeroes the optimizer's momentum (Plexus starts every round afresh).
  void reset_optimizer() { opt_->reset(); }

  /// Mean training loss since the last call, and the number of steps in it.
  std::pair<double, std::uint64_t> take_loss();

private:
  /// The minibatch gradient(s) of propose_step into `grad` (`spare`, of the
  /// same size, sums the pieces'), counting the steps and losses.
  void gradient(vec_map grad, vec_map spare);

  agent_id id_;
  std::size_t agents_;
  const model& net_;
  std::unique_ptr<optimizer> opt_;
  const lr_schedule& lr_;
  std::vector<batch_stream> data_;
  /// Starts as the common x^0 (until the first write), so an agent adds no
  /// model of its own before its first step.
  blob x_;
  buffer_pool pool_;
  std::uint64_t steps_ = 0;
  double loss_sum_ = 0;
  std::uint64_t loss_steps_ = 0;
};

/// Per-thread scratch vector of `size` floats (reused across calls on the
/// same thread; never shared between threads).
vec_map thread_scratch(std::size_t size, int slot = 0);

} // namespace murmur
