#include "actors/controller.hpp"

#include "actors/messages.hpp"

#include <algorithm>
#include <sstream>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<controller_state>*;

double now_seconds(self_ptr self) {
  return self->state.env->seconds(self->clock().now());
}

std::string inject(self_ptr self, const command& c, const std::string& source) {
  auto& s = self->state;
  for (auto a = c.first; a <= c.last; ++a)
    self->send(s.trainers[a], inject_atom::value, c);
  auto text = to_string(c);
  s.env->sink->on_event(now_seconds(self), source, text, "ok");
  return "ok: " + text;
}

std::string summary(std::vector<agent_status> all, double t) {
  std::sort(all.begin(), all.end(),
            [](auto& a, auto& b) { return a.id < b.id; });
  round_t lo = all.empty() ? 0 : all.front().round;
  round_t hi = lo;
  std::ostringstream slowed;
  std::ostringstream paused;
  for (auto& a : all) {
    lo = std::min(lo, a.round);
    hi = std::max(hi, a.round);
    if (a.slowdown != 1 || a.extra_delay > 0)
      slowed << " " << a.id << "(" << a.slowdown << "x+" << a.extra_delay * 1e3
             << "ms)";
    if (a.paused)
      paused << " " << a.id;
  }
  std::ostringstream os;
  os << "t=" << t << "s agents=" << all.size() << " rounds " << lo << ".." << hi
     << " slowed:" << (slowed.str().empty() ? " none" : slowed.str())
     << " paused:" << (paused.str().empty() ? " none" : paused.str());
  return os.str();
}

/// Asks every live trainer for its status and answers with one line.
caf::result<std::string> status(self_ptr self) {
  auto rp = self->make_response_promise<std::string>();
  auto collected = std::make_shared<std::vector<agent_status>>();
  auto waiting = std::make_shared<std::size_t>(self->state.trainers.size());
  auto t = now_seconds(self);
  auto done = [rp, collected, waiting, t]() mutable {
    if (--*waiting == 0)
      rp.deliver(summary(*collected, t));
  };
  for (auto& tr : self->state.trainers)
    self->request(tr, std::chrono::seconds(5), status_atom::value)
      .then(
        [collected, done](const agent_status& st) mutable {
          collected->push_back(st);
          done();
        },
        [done](caf::error&) mutable { done(); }); // killed agents are gone
  return rp;
}

void schedule_script(self_ptr self) {
  auto& script = self->state.script;
  for (std::size_t i = 0; i < script.size(); ++i) {
    self->delayed_send(self, to_timespan(script[i].at), scripted_atom::value, i,
                       false);
    if (script[i].for_seconds)
      self->delayed_send(self,
                         to_timespan(script[i].at + *script[i].for_seconds),
                         scripted_atom::value, i, true);
  }
}

} // namespace

caf::behavior controller(caf::stateful_actor<controller_state>* self,
                         const run_env* env, std::vector<caf::actor> trainers) {
  auto& s = self->state;
  s.env = env;
  s.trainers = std::move(trainers);
  for (auto& line : env->exp->cfg.stragglers.events)
    s.script.push_back(parse_scripted(line, env->exp->agents()));
  schedule_script(self);
  return {
    [=](command_atom, const std::string& line,
        const std::string& source) -> caf::result<std::string> {
      command c;
      try {
        c = parse_command(line, self->state.trainers.size());
      } catch (const input_error& e) {
        self->state.env->sink->on_event(now_seconds(self), source, line,
                                        std::string{"error: "} + e.what());
        return std::string{"error: "} + e.what();
      }
      if (c.what == command::verb::help)
        return command_help();
      if (c.what == command::verb::status)
        return status(self);
      return inject(self, c, source);
    },
    [=](scripted_atom, std::size_t i, bool undo_it) {
      auto& entry = self->state.script[i];
      inject(self, undo_it ? undo(entry.cmd) : entry.cmd, "script");
    },
  };
}

} // namespace murmur
