#include "core/time/injections.hpp"

#include "core/base/error.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace murmur {

namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in{line};
  std::vector<std::string> result;
  for (std::string w; in >> w;)
    result.push_back(w);
  return result;
}

bool parse_number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() &&
         std::isfinite(out);
}

void parse_agents(const std::string& text, std::size_t agents, command& c) {
  auto dash = text.find('-');
  double lo = 0;
  double hi = 0;
  bool ok = dash == std::string::npos
              ? parse_number(text, lo) && parse_number(text, hi)
              : parse_number(text.substr(0, dash), lo) &&
                  parse_number(text.substr(dash + 1), hi);
  if (!ok || lo < 0 || hi < lo || std::floor(lo) != lo || std::floor(hi) != hi)
    throw input_error("'" + text + "' is not an agent or range like 7 or 0-3");
  if (hi >= static_cast<double>(agents))
    throw input_error(
      "agent " + (dash == std::string::npos ? text : text.substr(dash + 1)) +
      " does not exist (agents are 0-" + std::to_string(agents - 1) + ")");
  c.first = static_cast<agent_id>(lo);
  c.last = static_cast<agent_id>(hi);
}

command::verb verb_of(const std::string& w) {
  using v = command::verb;
  if (w == "slow")
    return v::slow;
  if (w == "delay")
    return v::delay;
  if (w == "pause")
    return v::pause;
  if (w == "resume")
    return v::resume;
  if (w == "kill")
    return v::kill;
  if (w == "status")
    return v::status;
  if (w == "help")
    return v::help;
  throw input_error("unknown command '" + w + "'; type help");
}

std::size_t arity(command::verb v) {
  switch (v) {
    case command::verb::slow:
    case command::verb::delay: return 3;
    case command::verb::status:
    case command::verb::help: return 1;
    default: return 2;
  }
}

command parse_words(const std::vector<std::string>& w, std::size_t agents) {
  if (w.empty())
    throw input_error("empty command; type help");
  command c;
  c.what = verb_of(w[0]);
  if (w.size() != arity(c.what))
    throw input_error("'" + w[0] + "' takes " +
                      std::to_string(arity(c.what) - 1) +
                      " argument(s); type help");
  if (w.size() > 1)
    parse_agents(w[1], agents, c);
  if (c.what == command::verb::slow) {
    auto f = w[2];
    if (!f.empty() && f.back() == 'x')
      f.pop_back();
    if (!parse_number(f, c.factor) || c.factor <= 0)
      throw input_error("'" + w[2] + "' is not a slowdown like 5x");
  }
  if (c.what == command::verb::delay)
    c.seconds = parse_duration(w[2]);
  return c;
}

std::string agents_text(const command& c) {
  return c.first == c.last
           ? std::to_string(c.first)
           : std::to_string(c.first) + "-" + std::to_string(c.last);
}

} // namespace

double parse_duration(const std::string& text) {
  static const std::pair<const char*, double> units[] = {
    {"ms", 1e-3}, {"us", 1e-6}, {"s", 1.0}, {"m", 60.0}, {"h", 3600.0}};
  for (auto& [suffix, scale] : units) {
    std::string s{suffix};
    if (text.size() > s.size() &&
        text.compare(text.size() - s.size(), s.size(), s) == 0) {
      double v = 0;
      // The product too must be finite: 1e306h is not.
      if (parse_number(text.substr(0, text.size() - s.size()), v) && v >= 0 &&
          std::isfinite(v * scale))
        return v * scale;
    }
  }
  throw input_error("'" + text + "' is not a duration like 200ms, 30s or 2m");
}

command parse_command(const std::string& line, std::size_t agents) {
  return parse_words(words(line), agents);
}

scripted_command parse_scripted(const std::string& line, std::size_t agents) {
  auto w = words(line);
  if (w.size() < 3 || w[0] != "at")
    throw input_error("'" + line +
                      "' should read: at TIME COMMAND [for DURATION]");
  scripted_command s;
  s.at = parse_duration(w[1]);
  std::vector<std::string> rest(w.begin() + 2, w.end());
  if (rest.size() >= 2 && rest[rest.size() - 2] == "for") {
    s.for_seconds = parse_duration(rest.back());
    rest.resize(rest.size() - 2);
  }
  s.cmd = parse_words(rest, agents);
  if (s.cmd.what == command::verb::status || s.cmd.what == command::verb::help)
    throw input_error("'" + line +
                      "': only slow, delay, pause, resume and "
                      "kill can be scripted");
  if (s.for_seconds && s.cmd.what == command::verb::kill)
    throw input_error("'" + line + "': a kill cannot be undone with 'for'");
  return s;
}

command undo(const command& c) {
  command u = c;
  switch (c.what) {
    case command::verb::slow: u.factor = 1; break;
    case command::verb::delay: u.seconds = 0; break;
    case command::verb::pause: u.what = command::verb::resume; break;
    case command::verb::resume: u.what = command::verb::pause; break;
    default: break;
  }
  return u;
}

std::string to_string(const command& c) {
  std::ostringstream os;
  switch (c.what) {
    case command::verb::slow:
      os << "slow " << agents_text(c) << " " << c.factor << "x";
      break;
    case command::verb::delay:
      os << "delay " << agents_text(c) << " " << c.seconds * 1000 << "ms";
      break;
    case command::verb::pause: os << "pause " << agents_text(c); break;
    case command::verb::resume: os << "resume " << agents_text(c); break;
    case command::verb::kill: os << "kill " << agents_text(c); break;
    case command::verb::status: os << "status"; break;
    case command::verb::help: os << "help"; break;
  }
  return os.str();
}

std::string to_string(command::verb v) {
  command c;
  c.what = v;
  auto text = to_string(c);
  return text.substr(0, text.find(' '));
}

std::string command_help() {
  return "slow A Fx | delay A 200ms | pause A | resume A | kill A | status | "
         "help   (A: agent 7 or range 0-3)";
}

} // namespace murmur
