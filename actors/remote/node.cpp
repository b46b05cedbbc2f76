#include "actors/remote/node.hpp"

#include "actors/messages.hpp"
#include "actors/model_holder.hpp"
#include "actors/remote/peer_links.hpp"
#include "actors/spawn.hpp"

#include <iostream>
#include <sstream>

namespace murmur {

namespace {

using self_ptr = caf::stateful_actor<node_state>*;

std::string describe(const std::vector<agent_id>& ids) {
  std::ostringstream os;
  for (std::size_t i = 0; i < ids.size(); ++i)
    os << (i ? "," : "") << ids[i];
  return os.str();
}

/// Spawns the agents `ids` of `run` wired to `observer`; every agent keeps
/// the run (experiment, env, directory) alive until it terminates.
hosted_agents spawn_hosted(self_ptr self, std::shared_ptr<hosted_run> run,
                           const std::vector<agent_id>& ids,
                           const caf::actor& observer) {
  hosted_agents out;
  for (auto i : ids) {
    auto a =
      spawn_agent(self->system(), &run->env, i, run->directory, observer);
    run->local_mailers[i] = a.mailer;
    out.trainers.push_back(a.trainer);
    out.mailers.push_back(a.mailer);
    run->agents.push_back(a.trainer);
    if (a.mailer != a.trainer)
      run->agents.push_back(a.mailer);
  }
  for (auto& a : run->agents)
    a->attach_functor([run](const caf::error&) {});
  return out;
}

caf::result<hosted_agents> host(self_ptr self, const host_request& req,
                                const caf::actor& observer) {
  auto run = std::make_shared<hosted_run>();
  std::cerr << "node: building a run for agents " + describe(req.agents) + "\n";
  try {
    auto cfg = config_from_text(req.config, "config from the launcher");
    if (!self->state.data_path.empty())
      cfg.data.path = self->state.data_path;
    for (auto i : req.agents)
      if (i >= cfg.run.agents)
        throw input_error("agent " + std::to_string(i) + " outside 0.." +
                          std::to_string(cfg.run.agents - 1));
    run->exp = build_experiment(cfg);
  } catch (const std::exception& e) {
    std::cerr << "node: refused a run: " + std::string{e.what()} + "\n";
    return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
  }
  run->ledger = std::make_unique<network_ledger>(run->exp->cost->links(),
                                                 run->exp->agents());
  run->env = run_env{run->exp.get(), nullptr, false, self->clock().now(),
                     [](const run_outcome&) {}};
  run->env.ledger = run->ledger.get();
  run->directory =
    std::make_shared<std::vector<caf::actor>>(run->exp->agents());
  run->observer = observer;
  self->monitor(observer);
  // The agents report through the node's model holder, which keeps their
  // models here for the observer's evaluation; a protocol's lineage
  // observer takes its models straight.
  auto reports_to = observer;
  if (!run->exp->protocol()) {
    reports_to = self->spawn(model_holder, run->exp.get(), observer);
    run->agents.push_back(reports_to);
  }
  auto out = spawn_hosted(self, run, req.agents, reports_to);
  out.run = self->state.next_run++;
  self->state.runs.emplace(out.run, run);
  std::cerr << "node: run " + std::to_string(out.run) + " hosts agents " +
                 describe(req.agents) + "\n";
  return out;
}

/// Stops every run whose observer is `source` (the launcher is gone or done).
void end_runs_of(self_ptr self, const caf::actor_addr& source,
                 const caf::error& reason) {
  auto& runs = self->state.runs;
  for (auto i = runs.begin(); i != runs.end();) {
    if (i->second->observer.address() != source) {
      ++i;
      continue;
    }
    for (auto& a : i->second->agents)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    std::cerr << "node: run " + std::to_string(i->first) + " over (" +
                   self->system().render(reason) + ")\n";
    i = runs.erase(i);
  }
}

/// Watches a peer node this node linked to directly (once, however many
/// runs link to it): when the link drops, the down handler hears of it.
void watch_peer_node(self_ptr self, const caf::actor& node,
                     const std::string& peer) {
  if (self->state.peer_nodes.emplace(node.address(), peer).second)
    self->monitor(node);
}

/// A direct link to `peer` (the node `gone`) dropped: every run with agents
/// there hears of it through its observer, which stops the run unless the
/// launcher declares that node lost within its liveness timeout (then the
/// peer died, and hosts.on_loss applies). A link that fails while both ends
/// live loses the messages it carried, which nothing resends; without this
/// their receivers would wait for them forever.
void link_dropped(self_ptr self, const std::string& peer,
                  const caf::node_id& gone, const caf::error& reason) {
  auto text = "the direct link to node " + peer + " dropped (" +
              self->system().render(reason) +
              "): the messages it carried are lost and are not resent";
  std::cerr << "node: " + text + "\n";
  for (auto& [id, run] : self->state.runs) {
    std::vector<agent_id> there;
    for (std::size_t j = 0; j < run->directory->size(); ++j)
      if ((*run->directory)[j] && (*run->directory)[j].node() == gone)
        there.push_back(static_cast<agent_id>(j));
    if (!there.empty())
      self->send(run->observer, dropped_atom::value, text, std::move(there),
                 false);
  }
}

/// Fills the run's directory. Written before any trainer starts: the
/// launcher sends start only after every node has acknowledged.
void wire(hosted_run& run, const wiring& w) {
  *run.directory = w.mailers;
  run.env.network = w.network;
  // Our own mailers stay local handles whatever came back, so local
  // neighbours never go through serialization.
  for (auto& [id, m] : run.local_mailers)
    (*run.directory)[id] = m;
}

} // namespace

caf::behavior node(caf::stateful_actor<node_state>* self,
                   link_watchdog* watchdog, std::string data_path) {
  self->state.watchdog = watchdog;
  self->state.data_path = std::move(data_path);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& peers = self->state.peer_nodes;
    auto peer = peers.find(dm.source);
    if (peer == peers.end())
      return end_runs_of(self, dm.source, dm.reason);
    auto name = peer->second;
    peers.erase(peer);
    link_dropped(self, name, dm.source.node(), dm.reason);
  });
  // Only this process stops the node (on SIGINT/SIGTERM); an exit sent by
  // a peer, even an authenticated one, is ignored so the node keeps serving.
  // On shutdown the hosted agents go with it.
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (em.source && em.source.node() != self->node()) {
      std::cerr << "node: ignored an exit request from another process\n";
      return;
    }
    std::vector<caf::actor_addr> launchers;
    for (auto& [id, run] : self->state.runs)
      launchers.push_back(run->observer.address());
    for (auto& l : launchers)
      end_runs_of(self, l, em.reason);
    self->quit(em.reason);
  });
  return {
    [=](link_atom, const std::vector<std::string>& peers, double wait) {
      auto& st = self->state;
      st.linked.clear();
      for (auto& p : peers) {
        auto at = parse_endpoint(p, "link");
        st.watchdog->watch_peer(at);
        st.linked.emplace_back(p, st.watchdog->bytes_to(at));
      }
      return link_to_peers(self, peers, wait,
                           [=](const caf::actor& node, const std::string& p) {
                             watch_peer_node(self, node, p);
                           });
    },
    [=](links_atom) {
      std::vector<peer_traffic> out;
      for (auto& [p, before] : self->state.linked) {
        auto now = self->state.watchdog->bytes_to(parse_endpoint(p, "link"));
        out.push_back(
          {p, now.sent - before.sent, now.received - before.received});
      }
      return out;
    },
    [=](hello_atom) { return caf::ok_atom::value; },
    [=](host_atom, const host_request& req, const caf::actor& observer) {
      return host(self, req, observer);
    },
    [=](wire_atom, const wiring& w) -> caf::result<caf::ok_atom> {
      auto i = self->state.runs.find(w.run);
      if (i == self->state.runs.end() ||
          w.mailers.size() != i->second->directory->size())
        return caf::make_error(caf::sec::invalid_argument,
                               "wire: unknown run or wrong directory size");
      wire(*i->second, w);
      return caf::ok_atom::value;
    },
  };
}

} // namespace murmur
