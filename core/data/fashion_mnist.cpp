#include "core/base/error.hpp"
#include "core/data/dataset.hpp"

#include <filesystem>
#include <string>

namespace murmur {

namespace {

std::string join(const std::string& dir, const char* name) {
  return (std::filesystem::path{dir} / name).string();
}

void check_labels(const std::vector<std::int32_t>& labels,
                  const std::string& path) {
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= fashion_mnist_classes)
      throw input_error(path + ": label " + std::to_string(labels[i]) +
                        " at index " + std::to_string(i) + " is outside [0, " +
                        std::to_string(fashion_mnist_classes) + ")");
}

dataset load_split(const std::string& dir, const char* images,
                   const char* labels) {
  auto image_path = join(dir, images);
  auto label_path = join(dir, labels);
  dataset result;
  auto file = read_idx_images(image_path);
  result.features = std::move(file.pixels);
  result.shape = file.shape;
  result.labels = read_idx_labels(label_path);
  auto rows = static_cast<std::size_t>(result.features.rows());
  if (rows != result.labels.size())
    throw input_error(image_path + ": holds " + std::to_string(rows) +
                      " images but " + label_path + " holds " +
                      std::to_string(result.labels.size()) + " labels");
  check_labels(result.labels, label_path);
  result.num_classes = fashion_mnist_classes;
  return result;
}

std::string shape_text(const sample_shape& s) {
  return std::to_string(s.height) + "x" + std::to_string(s.width);
}

} // namespace

train_test load_fashion_mnist(const std::string& dir) {
  train_test result{
    load_split(dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    load_split(dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")};
  if (!(result.train.shape == result.test.shape))
    throw input_error(join(dir, "t10k-images-idx3-ubyte.gz") + ": images are " +
                      shape_text(result.test.shape) +
                      " but the training images are " +
                      shape_text(result.train.shape));
  return result;
}

} // namespace murmur
