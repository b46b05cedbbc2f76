// Which run folders a sweep may reuse: finished, and computed from the same
// config.
#include "experiments/cli/finished_runs.hpp"

#include "core/base/schema.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace murmur {

namespace fs = std::filesystem;

namespace {

const std::string incomplete_suffix = ".incomplete";

/// `folder` is `name` or `name-K` (K >= 2).
bool is_copy_of(const std::string& folder, const std::string& name) {
  if (folder.compare(0, name.size(), name) != 0)
    return false;
  auto rest = folder.substr(name.size());
  if (rest.empty())
    return true;
  return rest.size() > 1 && rest[0] == '-' &&
         std::all_of(rest.begin() + 1, rest.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c));
         });
}

std::map<std::string, std::string> comparable(const toml::table& config) {
  std::map<std::string, std::string> flat;
  for (auto& [key, node] : leaves(config))
    if (key != "run.output" && key != "run.threads")
      flat[key] = show_node(*node);
  return flat;
}

bool same_config(const fs::path& file,
                 const std::map<std::string, std::string>& expected) {
  try {
    return comparable(toml::parse_file(file.string())) == expected;
  } catch (const toml::parse_error&) {
    return false;
  }
}

} // namespace

std::optional<fs::path> find_finished_run(const fs::path& runs,
                                          const std::string& name,
                                          const toml::table& expected) {
  if (!fs::is_directory(runs))
    return std::nullopt;
  std::vector<fs::path> candidates;
  for (auto& entry : fs::directory_iterator(runs))
    if (entry.is_directory() &&
        is_copy_of(entry.path().filename().string(), name))
      candidates.push_back(entry.path());
  std::sort(candidates.begin(), candidates.end());
  auto want = comparable(expected);
  for (auto& folder : candidates)
    if (fs::exists(folder / "summary.json") &&
        same_config(folder / "config.toml", want))
      return folder;
  return std::nullopt;
}

std::size_t discard_incomplete(const fs::path& runs, const std::string& name) {
  if (!fs::is_directory(runs))
    return 0;
  std::vector<fs::path> stale;
  for (auto& entry : fs::directory_iterator(runs)) {
    auto folder = entry.path().filename().string();
    if (folder.size() > incomplete_suffix.size() &&
        folder.compare(folder.size() - incomplete_suffix.size(),
                       incomplete_suffix.size(), incomplete_suffix) == 0 &&
        is_copy_of(folder.substr(0, folder.size() - incomplete_suffix.size()),
                   name))
      stale.push_back(entry.path());
  }
  for (auto& folder : stale)
    fs::remove_all(folder);
  return stale.size();
}

} // namespace murmur
