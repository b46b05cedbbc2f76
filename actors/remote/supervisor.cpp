#include "actors/remote/supervisor.hpp"

#include "actors/messages.hpp"

#include <iostream>
#include <sstream>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<supervisor_state>*;

std::string agent_list(const std::vector<agent_id>& ids) {
  std::ostringstream os;
  for (std::size_t i = 0; i < ids.size(); ++i)
    os << (i ? " " : "") << ids[i];
  return os.str();
}

/// The survivors learn that host k's agents are gone: the observer stops
/// expecting their reports after the last one it has, and each mailer marks
/// every message from them it does not have yet as lost (sent = 0 rounds).
void forget_agents_of(self_ptr self, std::size_t k) {
  auto& s = self->state;
  bool synchronous = s.env->exp->synchronous() != nullptr;
  for (auto id : s.where.hosted[k]) {
    self->send(s.observer, lost_atom::value, id);
    if (!synchronous)
      continue; // asynchronous mailers never wait for a neighbour
    for (std::size_t h = 0; h < s.where.hosted.size(); ++h)
      if (!s.lost[h])
        for (auto j : s.where.hosted[h])
          self->send(s.where.mailers[j], depart_atom::value, id, round_t{0});
  }
}

void node_lost(self_ptr self, std::size_t k, const caf::error& reason) {
  auto& s = self->state;
  if (s.lost[k])
    return;
  s.lost[k] = true;
  auto text = "host " + s.where.names[k] + " lost (" +
              self->system().render(reason) + ") with agents " +
              agent_list(s.where.hosted[k]);
  std::cerr << "murmur: " << text << "; on_loss = " << to_string(s.on_loss)
            << "\n";
  s.env->sink->on_event(s.env->seconds(self->clock().now()), "hosts", text,
                        to_string(s.on_loss));
  if (s.on_loss == loss_policy::stop) {
    // Writes agents.csv and ends the run, which then exits non-zero.
    self->send(s.observer, done_atom::value, text);
    return;
  }
  bool any_left = false;
  for (bool gone : s.lost)
    any_left = any_left || !gone;
  if (!any_left) {
    s.fail("every host of the run is lost");
    return;
  }
  forget_agents_of(self, k);
}

void on_down(self_ptr self, const caf::down_msg& dm) {
  auto& s = self->state;
  for (std::size_t k = 0; k < s.where.nodes.size(); ++k)
    if (s.where.nodes[k].address() == dm.source) {
      node_lost(self, k, dm.reason);
      return;
    }
  // A trainer: killed on command (normal exit) or with its node (handled by
  // the node's own down message) is expected; anything else is a failure.
  if (!dm.reason || dm.reason == caf::exit_reason::user_shutdown ||
      dm.reason == caf::exit_reason::remote_link_unreachable)
    return;
  for (std::size_t i = 0; i < s.where.trainers.size(); ++i)
    if (s.where.trainers[i].address() == dm.source)
      s.fail("agent " + std::to_string(i) +
             " failed: " + self->system().render(dm.reason));
}

} // namespace

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self,
                         const run_env* env, placement_map where,
                         caf::actor observer, loss_policy on_loss,
                         std::function<void(std::string)> fail) {
  auto& s = self->state;
  s.env = env;
  s.where = std::move(where);
  s.observer = std::move(observer);
  s.on_loss = on_loss;
  s.fail = std::move(fail);
  s.lost.assign(s.where.nodes.size(), false);
  for (auto& n : s.where.nodes)
    self->monitor(n);
  for (auto& t : s.where.trainers)
    self->monitor(t);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  return {
    // Started by the launcher once everything is wired: monitors are in
    // place before any agent can fail.
    [=](start_atom) {
      for (auto& t : self->state.where.trainers)
        self->send(t, start_atom::value);
    },
  };
}

} // namespace murmur
