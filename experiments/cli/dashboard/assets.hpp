#pragma once

#include <string_view>

namespace murmur::dashboard {

/// A file of the page, compiled into the binary (CMake generates the table
/// from experiments/cli/dashboard/page/), so the program serves it from any
/// working directory.
struct asset {
  std::string_view path; ///< as requested, e.g. "/dashboard.js"
  std::string_view type; ///< its Content-Type
  std::string_view body;
};

/// The asset at `path` ("/" is index.html), or null.
const asset* find_asset(std::string_view path);

} // namespace murmur::dashboard
