#pragma once

#include "core/model/model.hpp"

#include <cstddef>
#include <cstdint>

namespace murmur {

struct model_bench_options {
  std::size_t batch = 32;
  int repeats = 5;             ///< timed rounds; the best one counts
  double round_seconds = 0.2;  ///< about this long each
  std::size_t gemm_size = 512; ///< side of the reference GEMM's matrices
  std::uint64_t seed = 1;
};

/// One agent's gradient step, timed on the calling thread (one core, in
/// thread CPU time), next to the machine's float GEMM rate measured the same
/// way.
struct model_bench_result {
  double microseconds_per_step = 0; ///< best round's mean
  double flops_per_step = 0;        ///< model::gradient_flops(batch)
  double gemm_flops = 0;            ///< of one reference product, 2 n^3
  double gemm_microseconds = 0;     ///< best round's mean per product

  /// Rates in GFLOP/s (FLOPs per microsecond / 1000).
  double gflops() const { return flops_per_step / microseconds_per_step / 1e3; }
  double gemm_gflops() const { return gemm_flops / gemm_microseconds / 1e3; }
  /// The step's rate as a fraction of the GEMM's.
  double gemm_fraction() const { return gflops() / gemm_gflops(); }
};

/// The machine's float GEMM rate in GFLOP/s on the calling thread, as
/// model_benchmark measures it (options.gemm_size, repeats, round_seconds).
double gemm_gflops(const model_bench_options& options = {});

/// Times loss_and_gradient of the model `spec` describes on random samples
/// of `shape` (pixels in [0, 1]) from initial parameters, and the reference
/// GEMM C = A B on square row-major float matrices. Each of `repeats`
/// rounds runs about round_seconds of this thread's CPU time and the fastest
/// round counts: other processes on a shared machine can still slow a round
/// (through the caches and memory they share) but never speed it up.
model_bench_result model_benchmark(const model_spec& spec, sample_shape shape,
                                   int classes,
                                   const model_bench_options& options = {});

} // namespace murmur
