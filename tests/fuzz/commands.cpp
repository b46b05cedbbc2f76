// The straggler command language (core/time/injections.cpp): lines from the
// console and `murmur ctl` (parse_command) and stragglers.events
// (parse_scripted, lines starting with "at").
#include "core/time/injections.hpp"
#include "tests/fuzz/fuzz.hpp"

#include <algorithm>
#include <cmath>

namespace {

using murmur::command;
using murmur::fuzz::expect;

constexpr std::size_t agents = 64;

bool close_to(double a, double b) {
  return std::abs(a - b) <= 1e-5 * std::max(std::abs(a), std::abs(b)) + 1e-300;
}

bool finite_at_least_zero(double v) {
  return v >= 0 && std::isfinite(v);
}

/// What an accepted command promises, and that its canonical text (as the
/// events file logs it) reads back as the same command.
void check(const command& c) {
  expect(c.first <= c.last && c.last < agents, "agents exist: " + to_string(c));
  expect(c.factor > 0 && std::isfinite(c.factor), "finite slowdown > 0");
  expect(finite_at_least_zero(c.seconds), "finite delay >= 0");
  auto text = to_string(c);
  command back;
  try {
    back = murmur::parse_command(text, agents);
  } catch (const murmur::input_error& e) {
    expect(false, "'" + text + "' does not read back: " + e.what());
  }
  expect(back.what == c.what && back.first == c.first && back.last == c.last &&
           close_to(back.factor, c.factor) && close_to(back.seconds, c.seconds),
         "'" + text + "' reads back as '" + to_string(back) + "'");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string line{reinterpret_cast<const char*>(data), size};
  try {
    if (line.compare(0, 3, "at ") == 0) {
      auto s = murmur::parse_scripted(line, agents);
      expect(finite_at_least_zero(s.at), "finite time >= 0");
      expect(!s.for_seconds || finite_at_least_zero(*s.for_seconds),
             "finite window >= 0");
      check(s.cmd);
      check(murmur::undo(s.cmd));
    } else {
      check(murmur::parse_command(line, agents));
    }
  } catch (const murmur::input_error&) {
  }
  return 0;
}
