// Built instead of torchscript.cpp when libtorch is absent: a config asking
// for a TorchScript model is then refused with how to enable it.
#include "core/base/error.hpp"
#include "core/model/torchscript.hpp"

namespace murmur {

bool torchscript_available() {
  return false;
}

std::unique_ptr<model> make_torchscript_model(const std::string&, sample_shape,
                                              int, double) {
  throw input_error(
    "model.kind: this build has no TorchScript support; install libtorch "
    "(bash experiments/setup.sh --torch) and rebuild, or use a native kind "
    "such as \"layers\"");
}

} // namespace murmur
