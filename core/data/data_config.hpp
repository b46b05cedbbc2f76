#pragma once

#include "core/base/schema.hpp"
#include "core/data/dataset.hpp"

#include <cstdint>
#include <string>

namespace murmur {

/// Where a run's samples come from.
enum class data_source { fashion_mnist, synthetic, synthetic_regression };

inline const enum_names<data_source>& names_of(data_source) {
  static const enum_names<data_source> n{
    {"fashion-mnist", data_source::fashion_mnist},
    {"synthetic", data_source::synthetic},
    {"synthetic-regression", data_source::synthetic_regression}};
  return n;
}

struct data_config {
  data_source name = data_source::fashion_mnist;
  std::string path = default_fashion_mnist_dir;
  synthetic_spec synthetic;
};

/// The data.* keys.
const schema<data_config>& data_schema();

/// What a model sees of the configured data, known without loading it (the
/// loaders produce exactly this): the sample shape, the classes, and for
/// regression the target columns at the end of each row.
struct data_geometry {
  sample_shape shape;
  int classes = 0;
  std::size_t targets = 0;
};

data_geometry geometry_of(const data_config& cfg);

/// Loads (or generates, from `seed`) the configured training and test sets;
/// throws input_error naming the file or field at fault.
train_test load_data(const data_config& cfg, std::uint64_t seed);

} // namespace murmur
