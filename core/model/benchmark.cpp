#include "core/model/benchmark.hpp"

#include <time.h>

#include <algorithm>
#include <random>

namespace murmur {

namespace {

// This thread's CPU time in microseconds: time the scheduler gives to
// other processes on a shared machine is not counted.
double cpu_microseconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 +
         static_cast<double>(t.tv_nsec) / 1e3;
}

// The best mean microseconds per call of `f` over `repeats` rounds of about
// `seconds` each (calibrated on one call).
template <class F>
double best_microseconds(F f, int repeats, double seconds) {
  auto time = [&](std::size_t calls) {
    const double start = cpu_microseconds();
    for (std::size_t i = 0; i < calls; ++i)
      f();
    return (cpu_microseconds() - start) / static_cast<double>(calls);
  };
  const double first = time(1);
  const auto calls =
    static_cast<std::size_t>(std::max(1.0, seconds * 1e6 / first));
  double best = first;
  for (int r = 0; r < repeats; ++r)
    best = std::min(best, time(calls));
  return best;
}

double gemm_microseconds(const model_bench_options& o) {
  const auto n = static_cast<Eigen::Index>(o.gemm_size);
  rng gen{o.seed};
  std::uniform_real_distribution<float> uniform{-1, 1};
  row_matrix a(n, n), b(n, n), c(n, n);
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    a.data()[i] = uniform(gen);
    b.data()[i] = uniform(gen);
  }
  return best_microseconds([&] { c.noalias() = a * b; }, o.repeats,
                           o.round_seconds);
}

} // namespace

double gemm_gflops(const model_bench_options& options) {
  const auto n = static_cast<double>(options.gemm_size);
  return 2 * n * n * n / gemm_microseconds(options) / 1e3;
}

model_bench_result model_benchmark(const model_spec& spec, sample_shape shape,
                                   int classes,
                                   const model_bench_options& options) {
  auto net = make_model(spec, shape, classes);
  rng gen{options.seed};
  vec theta(static_cast<Eigen::Index>(net->num_params()));
  net->init({theta.data(), theta.size()}, gen);
  std::uniform_real_distribution<float> pixel{0, 1};
  row_matrix x(static_cast<Eigen::Index>(options.batch),
               static_cast<Eigen::Index>(shape.size()));
  for (Eigen::Index i = 0; i < x.size(); ++i)
    x.data()[i] = pixel(gen);
  std::vector<std::int32_t> labels(options.batch);
  for (auto& label : labels)
    label = static_cast<std::int32_t>(gen() % static_cast<unsigned>(classes));
  batch_view batch{x.data(), labels.data(), options.batch, shape.size()};
  vec grad(theta.size());
  auto ws = net->make_workspace();
  auto step = [&] {
    net->loss_and_gradient({theta.data(), theta.size()}, batch,
                           {grad.data(), grad.size()}, *ws);
  };
  model_bench_result r;
  r.flops_per_step = net->gradient_flops(options.batch);
  r.microseconds_per_step =
    best_microseconds(step, options.repeats, options.round_seconds);
  const auto n = static_cast<double>(options.gemm_size);
  r.gemm_flops = 2 * n * n * n;
  r.gemm_microseconds = gemm_microseconds(options);
  return r;
}

} // namespace murmur
