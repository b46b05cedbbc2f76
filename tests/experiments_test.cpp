// Every shipped run config (not the .sweep.toml sweep files) loads and
// validates: a key renamed or a value out of range breaks here, not in a user's
// run.
#include "core/config/config.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace murmur;

TEST_CASE("every experiments/*.toml loads and validates") {
  std::vector<fs::path> configs;
  for (auto& e : fs::directory_iterator(MURMUR_SOURCE_DIR "/experiments"))
    if (e.path().extension() == ".toml" &&
        e.path().stem().extension() != ".sweep") // sweeps: murmur sweep
      configs.push_back(e.path());
  CHECK(configs.size() >= 8);
  for (auto& path : configs) {
    CAPTURE(path.string());
    CHECK_NOTHROW(load_config(path.string(), {}));
  }
}
