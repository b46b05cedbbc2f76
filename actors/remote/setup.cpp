#include "actors/remote/setup.hpp"

#include "actors/messages.hpp"
#include "actors/remote/peer_links.hpp"
#include "actors/remote/transport.hpp"

#include <chrono>
#include <future>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace murmur {

namespace {

/// The set-up conversation with every node: host requests, then wiring
/// requests once every node has spawned its agents. Watches the nodes the
/// whole time; the first failure ends it.
struct setup_state {
  static inline const char* name = "setup";
  placement_map* where = nullptr; ///< the launcher's; untouched after `done`
  std::string config;             ///< the run's config as TOML text
  double wait = 0;                ///< hosts.wait
  std::vector<std::uint64_t> run_ids;
  std::vector<std::vector<std::string>> peers; ///< to link, by node
  caf::actor network;      ///< the run's network actor (null: instant network)
  std::size_t pending = 0; ///< replies still due in the current step
  std::shared_ptr<std::promise<std::string>> done;  ///< "" or the failure
  std::chrono::steady_clock::time_point step_began; ///< of the current step
};

using self_ptr = caf::stateful_actor<setup_state>*;

/// Logs the step that just ended and starts the clock of the next.
void step_done(self_ptr self, const char* what) {
  log_set_up_step(what, self->state.step_began);
  self->state.step_began = std::chrono::steady_clock::now();
}

void finish(self_ptr self, std::string failure) {
  auto& s = self->state;
  if (!s.done)
    return;
  s.done->set_value(std::move(failure));
  s.done.reset();
  s.where = nullptr;
  self->quit();
}

std::function<void(caf::error&)> refused(self_ptr self, std::size_t k,
                                         const std::string& step) {
  return [=](caf::error& err) {
    auto& s = self->state;
    if (!s.where)
      return;
    auto why = err == caf::sec::request_timeout
                 ? "did not " + step + " within " + seconds_text(s.wait) +
                     " s (hosts.wait)"
                 : "did not " + step + ": " + self->system().render(err);
    finish(self, "hosts.list: node " + s.where->names[k] + " " + why);
  };
}

void link_all(self_ptr self) {
  auto& s = self->state;
  auto& w = *s.where;
  s.pending = w.nodes.size();
  for (std::size_t k = 0; k < w.nodes.size(); ++k)
    self
      ->request(w.nodes[k], to_timespan(2 * s.wait), link_atom::value,
                s.peers[k], s.wait)
      .then(
        [=](std::uint64_t linked) {
          auto& st = self->state;
          if (!st.where)
            return;
          std::cerr << "murmur: node " + st.where->names[k] + " linked " +
                         std::to_string(linked) + " of " +
                         std::to_string(st.peers[k].size()) +
                         " peers directly\n";
          if (--st.pending == 0) {
            step_done(self, "nodes linked to their peers");
            finish(self, {});
          }
        },
        refused(self, k, "link to its peers"));
}

void wire_all(self_ptr self) {
  auto& s = self->state;
  auto& w = *s.where;
  s.pending = w.nodes.size();
  for (std::size_t k = 0; k < w.nodes.size(); ++k)
    self
      ->request(w.nodes[k], to_timespan(s.wait), wire_atom::value,
                wiring{s.run_ids[k], w.mailers, s.network})
      .then(
        [=](caf::ok_atom) {
          if (self->state.where && --self->state.pending == 0) {
            step_done(self, "agents wired");
            link_all(self);
          }
        },
        refused(self, k, "wire its agents"));
}

void host_all(self_ptr self, const caf::actor& observer) {
  auto& s = self->state;
  auto& w = *s.where;
  s.pending = w.nodes.size();
  for (std::size_t k = 0; k < w.nodes.size(); ++k)
    self
      ->request(w.nodes[k], to_timespan(s.wait), host_atom::value,
                host_request{w.hosted[k], s.config}, observer)
      .then(
        [=](hosted_agents& got) {
          auto& st = self->state;
          if (!st.where)
            return;
          auto& ids = st.where->hosted[k];
          if (got.trainers.size() != ids.size() ||
              got.mailers.size() != ids.size())
            return finish(self, "hosts.list: node " + st.where->names[k] +
                                  " spawned a different set of agents");
          st.run_ids[k] = got.run;
          for (std::size_t j = 0; j < ids.size(); ++j) {
            st.where->trainers[ids[j]] = got.trainers[j];
            st.where->mailers[ids[j]] = got.mailers[j];
          }
          if (--st.pending == 0) {
            step_done(self, "experiment built and agents spawned on every "
                            "node");
            wire_all(self);
          }
        },
        refused(self, k, "spawn its agents"));
}

caf::behavior setup(self_ptr self, placement_map* where, std::string config,
                    double wait, std::vector<std::vector<std::string>> peers,
                    caf::actor observer, caf::actor network,
                    std::shared_ptr<std::promise<std::string>> done) {
  auto& s = self->state;
  s.where = where;
  s.config = std::move(config);
  s.wait = wait;
  s.peers = std::move(peers);
  s.network = std::move(network);
  s.done = std::move(done);
  s.run_ids.resize(where->nodes.size());
  s.step_began = std::chrono::steady_clock::now();
  for (auto& n : where->nodes)
    self->monitor(n);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto* w = self->state.where;
    if (!w)
      return;
    for (std::size_t k = 0; k < w->nodes.size(); ++k)
      if (w->nodes[k].address() == dm.source)
        finish(self, "hosts.list: node " + w->names[k] +
                       " went away during set-up (" +
                       self->system().render(dm.reason) + ")");
  });
  host_all(self, observer);
  // No handlers: the actor lives while replies are due (CAF counts pending
  // requests as alive) and hears down messages through its handler.
  return {};
}

std::string config_text(const run_config& cfg) {
  std::ostringstream os;
  os << to_toml(cfg);
  return os.str();
}

} // namespace

void log_set_up_step(const std::string& what,
                     std::chrono::steady_clock::time_point began) {
  auto seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - began);
  std::cerr << "murmur: set-up: " + what + " in " +
                 seconds_text(seconds.count()) + " s\n";
}

void spawn_and_wire(caf::actor_system& sys, placement_map& where,
                    const run_config& cfg, const caf::actor& observer,
                    const std::vector<std::vector<std::size_t>>& linked,
                    const caf::actor& network) {
  std::vector<std::vector<std::string>> peers(linked.size());
  for (std::size_t k = 0; k < linked.size(); ++k)
    for (auto j : linked[k])
      peers[k].push_back(where.names[j]);
  where.trainers.assign(cfg.run.agents, caf::actor{});
  where.mailers.assign(cfg.run.agents, caf::actor{});
  auto done = std::make_shared<std::promise<std::string>>();
  auto failure = done->get_future();
  sys.spawn(setup, &where, config_text(cfg), cfg.hosts.wait, std::move(peers),
            observer, network, std::move(done));
  auto why = failure.get();
  if (!why.empty())
    throw std::runtime_error(why);
}

} // namespace murmur
