#pragma once

// Skipping a test visibly. Under ctest every test case runs in its own
// process with MURMUR_CTEST set, and exit code 77 marks it skipped (see
// SKIP_RETURN_CODE in CMakeLists.txt), so ctest lists it as "Skipped" with
// the reason in its output. Run by hand, the case prints the reason and
// returns, and the rest of the suite goes on.

#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace murmur::testing {

constexpr int skip_code = 77;

/// Ends the current test case as skipped; call it as `return skip(...)`.
inline void skip(const std::string& reason) {
  if (std::getenv("MURMUR_CTEST")) {
    std::cout << "SKIPPED: " << reason << std::endl;
    std::exit(skip_code);
  }
  MESSAGE("SKIPPED: " << reason);
}

/// Where the real public traces are: $MURMUR_TRACES, else the folder beside
/// the checkout that the development machines have.
inline std::string traces_dir() {
  if (auto dir = std::getenv("MURMUR_TRACES"))
    return std::string{dir} + "/";
  return MURMUR_SOURCE_DIR "/../shared/traces/";
}

} // namespace murmur::testing
