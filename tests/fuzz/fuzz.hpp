#pragma once

// What every fuzz target shares: a file in memory that the parsers open by
// path, and the checks that turn a broken promise into a crash libFuzzer
// reports.

#include "core/base/error.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace murmur::fuzz {

/// A file in memory (memfd), rewritten for every input, so the parsers are
/// fuzzed through their real entry points (a path) without touching a disk.
class memory_file {
public:
  memory_file()
    : fd_(::memfd_create("murmur-fuzz", 0)),
      path_("/proc/self/fd/" + std::to_string(fd_)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
  }
  ~memory_file() { ::close(fd_); }
  memory_file(const memory_file&) = delete;
  memory_file& operator=(const memory_file&) = delete;

  /// Replaces the content with `size` bytes; returns the path to open.
  const std::string& hold(const std::uint8_t* data, std::size_t size) {
    if (::ftruncate(fd_, 0) != 0)
      std::abort();
    std::size_t done = 0;
    while (done < size) {
      auto n =
        ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0)
        std::abort();
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

private:
  int fd_;
  std::string path_;
};

/// A promise the parser makes about what it accepted; a broken one aborts
/// with `what`, which libFuzzer reports as a crash and keeps the input of.
inline void expect(bool holds, const std::string& what) {
  if (!holds) {
    std::fprintf(stderr, "broken promise: %s\n", what.c_str());
    std::abort();
  }
}

/// Runs `parse(path)` on the input held in a memory file. Bad input must be
/// refused with an input_error; any other exception escapes and is a crash.
template <class Parse>
void parse_file(const std::uint8_t* data, std::size_t size, Parse parse) {
  static memory_file file;
  auto& path = file.hold(data, size);
  try {
    parse(path);
  } catch (const input_error&) {
  }
}

} // namespace murmur::fuzz
