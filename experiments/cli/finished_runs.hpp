#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>

namespace murmur {

/// A finished run of `name` under `runs` (the folder `name` or `name-K`
/// that `murmur run` gives a repeated name) whose config.toml equals
/// `expected` on every key but run.output and run.threads, which place a
/// run and share out its cores without changing what it computes. A folder
/// still called "*.incomplete", or without summary.json, is never finished.
std::optional<std::filesystem::path>
find_finished_run(const std::filesystem::path& runs, const std::string& name,
                  const toml::table& expected);

/// Removes the "*.incomplete" folders of `name` under `runs` (left by
/// interrupted runs, never reused); returns how many.
std::size_t discard_incomplete(const std::filesystem::path& runs,
                               const std::string& name);

} // namespace murmur
