#include "core/model/layers/skinny.hpp"

#include <Eigen/Core>

namespace murmur {

namespace {

using lanes = Eigen::Array<float, 16, 1>;
using lanes_map = Eigen::Map<const lanes>;

// Rows x0 and x1 (x1 may repeat x0 for an odd last row) against `Block`
// rows of w: 2 x Block accumulators of 16 lanes over the shared dimension,
// then their sums and the scalar tail.
template <int Block>
void block(const float* x0, const float* x1, const float* w, std::size_t in,
           float* z0, float* z1) {
  lanes a0[Block], a1[Block];
  for (int o = 0; o < Block; ++o) {
    a0[o].setZero();
    a1[o].setZero();
  }
  std::size_t j = 0;
  for (; j + 16 <= in; j += 16) {
    const lanes u = lanes_map{x0 + j}, v = lanes_map{x1 + j};
    for (int o = 0; o < Block; ++o) {
      const lanes row = lanes_map{w + o * in + j};
      a0[o] += u * row;
      a1[o] += v * row;
    }
  }
  for (int o = 0; o < Block; ++o) {
    float s0 = a0[o].sum(), s1 = a1[o].sum();
    for (std::size_t t = j; t < in; ++t) {
      s0 += x0[t] * w[o * in + t];
      s1 += x1[t] * w[o * in + t];
    }
    z0[o] = s0;
    z1[o] = s1;
  }
}

using block_fn = void (*)(const float*, const float*, const float*, std::size_t,
                          float*, float*);

void nothing(const float*, const float*, const float*, std::size_t, float*,
             float*) {}

block_fn rest(std::size_t outputs) {
  static constexpr block_fn blocks[8] = {nothing,  block<1>, block<2>,
                                         block<3>, block<4>, block<5>,
                                         block<6>, block<7>};
  return blocks[outputs];
}

} // namespace

void skinny_product(const float* x, const float* w, float* z, std::size_t rows,
                    std::size_t in, std::size_t out) {
  for (std::size_t i = 0; i < rows; i += 2) {
    const float* x0 = x + i * in;
    const float* x1 = i + 1 < rows ? x0 + in : x0;
    float* z0 = z + i * out;
    // An odd last row pairs with itself; both results land in one place.
    float* z1 = i + 1 < rows ? z0 + out : z0;
    std::size_t o = 0;
    for (; o + 8 <= out; o += 8)
      block<8>(x0, x1, w + o * in, in, z0 + o, z1 + o);
    // The rest in one block: each output's sums are the same whatever the
    // block, so only the speed depends on this choice.
    rest(out - o)(x0, x1, w + o * in, in, z0 + o, z1 + o);
  }
}

} // namespace murmur
