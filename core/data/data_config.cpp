#include "core/data/data_config.hpp"

#include "core/base/memory.hpp"

namespace murmur {

const schema<data_config>& data_schema() {
  static const auto s = [] {
    using C = data_config;
    using u64 = std::uint64_t;
    schema<C> s;
    s.add<data_source>(
      "data.name", [](C& c) -> data_source& { return c.name; },
      "data set: Fashion-MNIST, synthetic softmax-teacher classes, or "
      "synthetic linear targets (model.kind = \"linear\")");
    s.add<std::string>(
      "data.path", [](C& c) -> std::string& { return c.path; },
      "folder with the Fashion-MNIST IDX .gz files");
    s.add<u64>(
      "data.synthetic.train_size",
      [](C& c) -> u64& { return c.synthetic.train_size; },
      "synthetic: training samples", at_least<u64>(1));
    s.add<u64>(
      "data.synthetic.test_size",
      [](C& c) -> u64& { return c.synthetic.test_size; },
      "synthetic: test samples", at_least<u64>(1));
    s.add<u64>(
      "data.synthetic.dim", [](C& c) -> u64& { return c.synthetic.dim; },
      "synthetic: input features", at_least<u64>(1));
    s.add<int>(
      "data.synthetic.classes",
      [](C& c) -> int& { return c.synthetic.num_classes; },
      "synthetic: classes of the linear teacher (regression: quantile bins "
      "of the target, the labels partitions skew by)",
      at_least(2));
    s.add<double>(
      "data.synthetic.noise", [](C& c) -> double& { return c.synthetic.noise; },
      "synthetic: std of the noise on the teacher's logits (regression: on "
      "the target)",
      in_range(0, 1e3));
    return s;
  }();
  return s;
}

data_geometry geometry_of(const data_config& cfg) {
  auto& syn = cfg.synthetic;
  switch (cfg.name) {
    case data_source::synthetic:
      return {sample_shape::flat(syn.dim), syn.num_classes, 0};
    case data_source::synthetic_regression:
      return {sample_shape::flat(syn.dim + 1), syn.num_classes, 1};
    case data_source::fashion_mnist: break;
  }
  return {fashion_mnist_shape, fashion_mnist_classes, 0};
}

train_test load_data(const data_config& cfg, std::uint64_t seed) {
  if (cfg.name != data_source::fashion_mnist) {
    auto& g = cfg.synthetic;
    auto rows = static_cast<double>(g.train_size + g.test_size);
    require_memory(static_cast<std::uint64_t>(rows * 8 * (g.dim + 2)),
                   "data.synthetic.train_size x dim (" +
                     std::to_string(g.train_size) + " x " +
                     std::to_string(g.dim) + ")");
  }
  switch (cfg.name) {
    case data_source::synthetic: return make_synthetic(cfg.synthetic, seed);
    case data_source::synthetic_regression:
      return make_synthetic_regression(cfg.synthetic, seed);
    case data_source::fashion_mnist: break;
  }
  return load_fashion_mnist(cfg.path);
}

} // namespace murmur
