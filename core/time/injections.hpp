#pragma once

#include "core/base/types.hpp"

#include <optional>
#include <string>

namespace murmur {

/// One straggler injection, typed at the console, sent with `murmur ctl`, or
/// scripted in the config. Grammar (agents: `7` or `0-3`):
///   slow AGENTS FACTORx   compute takes FACTOR times as long (1x = normal)
///   delay AGENTS DURATION every step takes DURATION longer (0ms = normal)
///   pause AGENTS | resume AGENTS | kill AGENTS | status | help
/// Durations: 200ms, 1.5s, 2m.
struct command {
  enum class verb { slow, delay, pause, resume, kill, status, help };
  verb what = verb::help;
  agent_id first = 0; ///< inclusive range
  agent_id last = 0;
  double factor = 1;  ///< slow
  double seconds = 0; ///< delay
};

/// A command scripted in the config: `at 30s slow 0-3 5x for 20s`. With
/// `for`, the effect is undone at at+for (slow -> 1x, delay -> 0, pause ->
/// resume).
struct scripted_command {
  double at = 0;
  std::optional<double> for_seconds;
  command cmd;
};

/// Parses one command line; throws input_error with a one-line reason.
command parse_command(const std::string& line, std::size_t agents);

/// Parses `at TIME COMMAND [for DURATION]`.
scripted_command parse_scripted(const std::string& line, std::size_t agents);

/// The command that undoes `c` (for scripted `for` windows).
command undo(const command& c);

/// "200ms" -> 0.2, "30s" -> 30, "2m" -> 120; throws input_error.
double parse_duration(const std::string& text);

/// Canonical text of a command, as written to the events file.
std::string to_string(const command& c);
std::string to_string(command::verb v);

/// The console's help text (one line per command).
std::string command_help();

} // namespace murmur
