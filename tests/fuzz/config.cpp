// The config (core/config/config.cpp): a TOML file, then `--set` overrides,
// through load_config as `murmur run` reads them. The input is the file's
// text, optionally followed by a NUL byte and one override per line. An
// accepted config must also survive the trip a launcher sends it on: its
// resolved TOML text, read back by config_from_text, resolves to the same
// text.
#include "core/config/config.hpp"
#include "tests/fuzz/fuzz.hpp"

#include <sstream>

namespace {

std::string text_of(const murmur::run_config& cfg) {
  std::ostringstream os;
  os << to_toml(cfg);
  return os.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static murmur::fuzz::memory_file file;
  std::string input{reinterpret_cast<const char*>(data), size};
  auto nul = input.find('\0');
  auto toml = input.substr(0, nul);
  auto overrides = nul == std::string::npos ? std::vector<std::string>{}
                                            : lines_of(input.substr(nul + 1));
  murmur::run_config cfg;
  try {
    auto& path = file.hold(reinterpret_cast<const std::uint8_t*>(toml.data()),
                           toml.size());
    cfg = murmur::load_config(path, overrides);
  } catch (const murmur::input_error&) {
    return 0;
  }
  cfg.hosts = {}; // the launcher's own business, never sent
  auto sent = text_of(cfg);
  try {
    auto received = text_of(murmur::config_from_text(sent, "fuzz"));
    murmur::fuzz::expect(received == sent,
                         "the config reads back as itself:\n" + sent +
                           "\nread back as:\n" + received);
  } catch (const murmur::input_error& e) {
    murmur::fuzz::expect(false, "the resolved config is refused (" +
                                  std::string{e.what()} + "):\n" + sent);
  }
  return 0;
}
