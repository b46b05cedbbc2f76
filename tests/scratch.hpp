#pragma once

// Small test utilities: a temporary folder per test, reading files whole, and
// catching the one-line input errors.

#include "core/base/error.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace murmur::testing {

/// A fresh folder under the system temp dir, removed with the object.
class scratch_dir {
public:
  explicit scratch_dir(const std::string& tag)
    : path_(std::filesystem::temp_directory_path() /
            ("murmur-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~scratch_dir() {
    // Never throws: a child process still writing there (a browser's
    // helper) must not terminate the test.
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes `text` to a file in the folder and returns its path.
  std::filesystem::path write(const std::string& name,
                              const std::string& text) const {
    std::ofstream{path_ / name} << text;
    return path_ / name;
  }

private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// One column of a run folder's agents.csv, per agent.
inline std::vector<double> agents_column(const std::filesystem::path& folder,
                                         std::size_t col) {
  std::istringstream agents{slurp(folder / "agents.csv")};
  std::string line;
  std::getline(agents, line);
  std::vector<double> values;
  while (std::getline(agents, line)) {
    std::stringstream fields{line};
    std::string f;
    for (std::size_t c = 0; c <= col; ++c)
      std::getline(fields, f, ',');
    values.push_back(std::stod(f));
  }
  return values;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The message of the input_error `f` throws, or "" when it throws none.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "";
}

} // namespace murmur::testing
