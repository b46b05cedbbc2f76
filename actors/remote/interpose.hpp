#pragma once

#include <dlfcn.h>

namespace murmur {

/// The definition of `symbol` that ours interposes: the next one in the
/// dynamic linker's search order after this binary (a shared library's).
/// `symbol` is the linker's name (mangled, for C++ functions).
template <class F>
F next_definition(const char* symbol) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, symbol));
}

} // namespace murmur
