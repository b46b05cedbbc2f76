// Every TEST_CASE reaches ctest: doctest_discover_tests registers a case by
// its name as a CMake list element, so a ';' in a name splits it into filters
// that match nothing, and ctest reports a pass for a test that never ran.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

/// A test case's name: its adjacent string literals joined.
std::string joined_literals(const std::string& arguments) {
  static const std::regex literal{R"re("((?:[^"\\]|\\.)*)")re"};
  std::string name;
  for (std::sregex_iterator it{arguments.begin(), arguments.end(), literal},
       end;
       it != end; ++it)
    name += (*it)[1].str();
  return name;
}

} // namespace

TEST_CASE("no test case name holds a character that ctest cannot register") {
  static const std::regex test_case{
    R"re(TEST_CASE\(((?:\s*"(?:[^"\\]|\\.)*")+))re"};
  int cases = 0;
  for (auto& entry :
       fs::directory_iterator{fs::path{MURMUR_SOURCE_DIR} / "tests"}) {
    if (entry.path().extension() != ".cpp")
      continue;
    std::ifstream in{entry.path()};
    std::stringstream text;
    text << in.rdbuf();
    auto source = text.str();
    for (std::sregex_iterator it{source.begin(), source.end(), test_case}, end;
         it != end; ++it) {
      auto name = joined_literals((*it)[1].str());
      ++cases;
      CAPTURE(entry.path().filename().string());
      CHECK_MESSAGE(name.find(';') == std::string::npos, name);
    }
  }
  CHECK(cases > 100);
}
