#pragma once

#include "core/model/model.hpp"

#include <memory>
#include <string>

namespace murmur {

/// Whether this build can run TorchScript models (CMake option
/// MURMUR_TORCH, on when libtorch is found).
bool torchscript_available();

/// A classifier saved with torch.jit.save (model.kind = "torchscript"):
/// softmax cross-entropy on the module's output plus the L2 term, like every
/// classifier. The agent's flat parameter vector is the module's parameters,
/// in the order of Module.parameters() (each tensor row-major), so a module
/// built layer for layer like a native network has the native layout.
/// The module's parameters are re-pointed at the caller's vectors at every
/// call (views, no copies): the forward pass reads theta in place and the
/// backward pass accumulates into grad. It runs in eval mode (murmur owns
/// the randomness, so no dropout), single-threaded inside libtorch (oneTBB
/// alone spreads agents over cores). Starts from the parameters saved in
/// the file. Images reach the module as [batch, channels, height, width],
/// tabular rows as [batch, features].
///
/// Throws input_error naming model.path for a missing or unreadable file, a
/// module with buffers (BatchNorm's running statistics, which agents could
/// not share), with parameters that are not float32, that rejects the
/// input shape, or whose output is not [batch, classes]; and naming
/// model.kind when this build has no libtorch.
std::unique_ptr<model> make_torchscript_model(const std::string& path,
                                              sample_shape shape, int classes,
                                              double weight_decay);

} // namespace murmur
