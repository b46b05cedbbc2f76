#include "experiments/cli/output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace murmur {

namespace {

std::runtime_error io_error(const std::filesystem::path& path,
                            const char* what) {
  return std::runtime_error("cannot " + std::string{what} + " " +
                            shown_path(path) + ": " + std::strerror(errno));
}

} // namespace

std::string shown_path(const std::filesystem::path& path) {
  auto text = path.string();
  constexpr std::size_t keep = 60;
  if (text.size() <= 2 * keep + 3)
    return text;
  return text.substr(0, keep) + "..." + text.substr(text.size() - keep);
}

output_file::output_file(std::filesystem::path path)
  : path_(std::move(path)), file_(std::fopen(path_.c_str(), "w")) {
  if (!file_)
    throw io_error(path_, "create");
}

output_file::~output_file() {
  if (file_)
    std::fclose(file_);
}

void output_file::fail(const char* what) const {
  throw io_error(path_, what);
}

void output_file::write(const std::string& text) {
  if (!file_)
    fail("write (already closed)");
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() ||
      std::fflush(file_) != 0)
    fail("write");
}

void output_file::close() {
  if (!file_)
    return;
  bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  int err = errno;
  bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok)
    errno = err;
  if (!ok || !closed)
    fail("write");
}

void write_file_atomically(const std::filesystem::path& path,
                           const std::string& text) {
  auto tmp = std::filesystem::path{path.string() + ".tmp"};
  {
    output_file out{tmp};
    out.write(text);
    out.close();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    throw std::runtime_error("cannot rename " + shown_path(tmp) + " to " +
                             shown_path(path) + ": " + ec.message());
}

void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    auto e = io_error(dir, "sync");
    if (fd >= 0)
      ::close(fd);
    throw e;
  }
  ::close(fd);
}

} // namespace murmur
