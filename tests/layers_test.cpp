// The include graph keeps its floors: no file includes one from a higher
// layer. Lowest first: the vocabulary every layer uses, topologies, data and
// time, models, algorithms, config, runs, actors, the actors across hosts,
// the runtime that starts runs locally or across hosts, the program.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

/// The layer of a source file or include path (-1: not project code).
int layer_of(const std::string& path) {
  static const std::vector<std::pair<std::string, int>> floors{
    {"core/base/", 0},      {"topologies/", 1}, {"core/data/", 2},
    {"core/time/", 2},      {"core/model/", 3}, {"core/algorithms/", 4},
    {"core/config/", 5},    {"core/run/", 6},   {"actors/remote/", 8},
    {"actors/runtime.", 9}, {"actors/", 7},     {"experiments/cli/", 10},
    {"tests/", 11}};
  for (auto& [prefix, floor] : floors)
    if (path.rfind(prefix, 0) == 0)
      return floor;
  return -1;
}

} // namespace

TEST_CASE("no include runs back up from a lower layer to a higher one") {
  const fs::path root = MURMUR_SOURCE_DIR;
  const std::regex include{R"re(^#include "([^"]+)")re"};
  std::string upward;
  std::size_t files = 0;
  for (auto top : {"core", "topologies", "actors", "experiments", "tests"})
    for (auto& e : fs::recursive_directory_iterator(root / top)) {
      auto rel = fs::relative(e.path(), root).string();
      auto ext = e.path().extension();
      if ((ext != ".cpp" && ext != ".hpp") || layer_of(rel) < 0)
        continue;
      ++files;
      std::ifstream in{e.path()};
      std::string line;
      std::smatch m;
      while (std::getline(in, line))
        if (std::regex_search(line, m, include) &&
            layer_of(m[1]) > layer_of(rel))
          upward += rel + " -> " + m[1].str() + "\n";
    }
  CHECK(files > 100);
  CAPTURE(upward);
  CHECK(upward.empty());
}
