#include "actors/remote/launcher.hpp"

#include "actors/controller.hpp"
#include "actors/messages.hpp"
#include "actors/network.hpp"
#include "actors/remote/supervisor.hpp"
#include "actors/remote/tls_guard.hpp"
#include "actors/remote/transport.hpp"
#include "actors/run_end.hpp"
#include "actors/spawn.hpp"
#include "actors/system.hpp"

#include <chrono>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace murmur {

namespace {

/// Logs what crossed the launcher's TLS connections: every node-to-node
/// message is relayed here, so this is the run's traffic between processes
/// (model messages, reports with models, control), as opposed to the
/// metrics' bytes_sent, which counts every model message at its serialized
/// size whether it left its process or not.
void log_traffic(const run_env& env, double t, const tls_traffic& before) {
  auto now = tls_bytes();
  auto text = "TLS traffic through the launcher: received " +
              std::to_string(now.received - before.received) + " bytes, sent " +
              std::to_string(now.sent - before.sent) + " bytes";
  std::cerr << "murmur: " << text << "\n";
  env.sink->on_event(t, "hosts", text, "measured");
}

std::string config_text(const run_config& cfg) {
  std::ostringstream os;
  os << to_toml(cfg);
  return os.str();
}

/// Connects to every node and splits the agents among them.
placement_map place(caf::actor_system& sys, const run_config& cfg) {
  auto& h = cfg.hosts;
  placement_map where;
  where.names = h.list;
  for (auto& name : h.list)
    where.nodes.push_back(
      connect_to(sys, parse_endpoint(name, "hosts.list"), h.insecure, h.wait));
  where.hosted.resize(h.list.size());
  auto host_of = place_agents(h, cfg.run.agents);
  for (agent_id i = 0; i < cfg.run.agents; ++i)
    where.hosted[host_of[i]].push_back(i);
  return where;
}

/// Has every node spawn its agents (all nodes build their experiment at the
/// same time), then sends each the full mailer directory. Returns when every
/// node has acknowledged, or throws naming the node that did not.
void spawn_and_wire(caf::actor_system& sys, placement_map& where,
                    const run_config& cfg, const caf::actor& observer,
                    const caf::actor& network) {
  auto n = cfg.run.agents;
  auto wait = to_timespan(cfg.hosts.wait);
  auto text = config_text(cfg);
  where.trainers.resize(n);
  where.mailers.resize(n);
  std::vector<std::uint64_t> run_ids(where.nodes.size());
  caf::scoped_actor self{sys};
  auto refused = [&](std::size_t k, const std::string& step) {
    return [&, k, step](caf::error& err) {
      throw std::runtime_error(
        "hosts.list: node " + where.names[k] + " did not " + step + " within " +
        seconds_text(cfg.hosts.wait) + " s (hosts.wait): " + sys.render(err));
    };
  };
  using request_t = decltype(self->request(observer, wait, host_atom::value,
                                           host_request{}, observer));
  std::vector<request_t> asked;
  for (std::size_t k = 0; k < where.nodes.size(); ++k)
    asked.push_back(self->request(where.nodes[k], wait, host_atom::value,
                                  host_request{where.hosted[k], text},
                                  observer));
  for (std::size_t k = 0; k < asked.size(); ++k)
    asked[k].receive(
      [&, k](hosted_agents& got) {
        run_ids[k] = got.run;
        auto& ids = where.hosted[k];
        if (got.trainers.size() != ids.size() ||
            got.mailers.size() != ids.size())
          throw std::runtime_error("hosts.list: node " + where.names[k] +
                                   " spawned a different set of agents");
        for (std::size_t j = 0; j < ids.size(); ++j) {
          where.trainers[ids[j]] = got.trainers[j];
          where.mailers[ids[j]] = got.mailers[j];
        }
      },
      refused(k, "spawn its agents"));
  for (std::size_t k = 0; k < where.nodes.size(); ++k)
    self
      ->request(where.nodes[k], wait, wire_atom::value,
                wiring{run_ids[k], where.mailers, network})
      .receive([](caf::ok_atom) {}, refused(k, "wire its agents"));
}

} // namespace

run_outcome run_across_hosts(experiment& exp, metrics_sink& sink, int threads,
                             control_channels* live) {
  run_end end; // outlives the actor system: its actors report into it
  network_ledger ledger{exp.cost->links(), exp.agents()}; // and use it
  caf::actor_system_config cfg;
  configure_system(cfg, threads);
  configure_network(cfg, exp.cfg.hosts);
  caf::actor_system sys{cfg};
  guarded_sink guarded{sink, [&end](std::string why) { end.fail(why); }};
  run_env env{&exp, &guarded, false, sys.clock().now(),
              [&end](const run_outcome& o) { end.finish(o); }};
  env.ledger = &ledger;
  auto traffic = tls_bytes();
  auto where = place(sys, exp.cfg);
  auto observer = spawn_observer(sys, &env);
  std::vector<caf::actor> locals{observer};
  // The run's network lives here, beside the observer that reads it.
  auto mailers = std::make_shared<std::vector<caf::actor>>();
  if (!ledger.instant()) {
    env.network = sys.spawn(network, &env, mailers);
    locals.push_back(env.network);
  }
  auto shut_down = [&] {
    for (auto& a : locals)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    for (auto* list : {&where.trainers, &where.mailers})
      for (auto& a : *list)
        if (a)
          caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  };
  try {
    spawn_and_wire(sys, where, exp.cfg, observer, env.network);
    *mailers = where.mailers;
  } catch (...) {
    shut_down();
    throw;
  }
  auto trainers = where.trainers;
  auto boss =
    sys.spawn(supervisor, &env, where, observer, exp.cfg.hosts.on_loss,
              [&end](std::string why) { end.fail(std::move(why)); });
  auto control = sys.spawn(controller, &env, trainers);
  locals.insert(locals.begin(), {boss, control});
  for (auto& a : locals)
    a->attach_functor([&end, &sys](const caf::error& reason) {
      if (reason && reason != caf::exit_reason::user_shutdown)
        end.fail("an actor failed: " + sys.render(reason));
    });
  if (live)
    live->serve(sys, control);
  caf::anon_send(boss, start_atom::value);
  while (!end.wait_for(std::chrono::milliseconds(200)))
    ;
  if (!exp.cfg.hosts.insecure)
    log_traffic(env, env.seconds(sys.clock().now()), traffic);
  if (live)
    live->close();
  shut_down(); // the supervisor first: agents going down now are expected
  return end.result();
}

} // namespace murmur
