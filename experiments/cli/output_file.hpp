#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

namespace murmur {

/// A file a run writes, every write checked: a failure (a full disk, a file
/// size limit, an I/O error) throws std::runtime_error naming the file and
/// the reason, so no result is silently cut short.
class output_file {
public:
  explicit output_file(std::filesystem::path path);
  ~output_file();

  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  /// Appends `text` and hands it to the kernel (a run killed later keeps
  /// it).
  void write(const std::string& text);

  /// Flushes to the disk (fsync) and closes; throws if any of it fails.
  void close();

  const std::filesystem::path& path() const { return path_; }

private:
  [[noreturn]] void fail(const char* what) const;

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

/// Writes `text` to `path` through a temporary file (written, synced,
/// closed, renamed), so the file is either absent or complete.
void write_file_atomically(const std::filesystem::path& path,
                           const std::string& text);

/// Syncs a directory, so the names created or renamed in it are on disk.
void sync_directory(const std::filesystem::path& dir);

/// A path as error messages show it: long ones shortened in the middle.
std::string shown_path(const std::filesystem::path& path);

} // namespace murmur
