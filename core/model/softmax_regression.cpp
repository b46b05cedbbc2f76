#include "core/model/model.hpp"

namespace murmur {

// A named configuration of the layered model, not a second implementation:
// no hidden layer, and zeros to start since the problem is convex and there
// is no symmetry to break.
std::unique_ptr<model> make_softmax_regression(std::size_t dim, int classes,
                                               double weight_decay) {
  return make_layered_model(dim, {}, classes, weight_decay, weight_init::zeros);
}

} // namespace murmur
