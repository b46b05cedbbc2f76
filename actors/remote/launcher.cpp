#include "actors/remote/launcher.hpp"

#include "actors/controller.hpp"
#include "actors/messages.hpp"
#include "actors/network.hpp"
#include "actors/remote/link_watchdog.hpp"
#include "actors/remote/setup.hpp"
#include "actors/remote/supervisor.hpp"
#include "actors/remote/tls_guard.hpp"
#include "actors/remote/transport.hpp"
#include "actors/run_end.hpp"
#include "actors/spawn.hpp"
#include "actors/system.hpp"
#include "core/run/placement.hpp"

#include <chrono>
#include <iostream>
#include <stdexcept>

namespace murmur {

namespace {

/// A measured figure: to stderr, and to events.csv as kind "measured".
void log_measured(const run_env& env, double t, const std::string& text) {
  std::cerr << "murmur: " << text << "\n";
  env.sink->on_event(t, "hosts", text, "measured");
}

/// Logs what crossed the launcher's TLS connections: control, the agents'
/// reports with their models, and, for node pairs without a direct link
/// (all of them under hosts.routing = launcher), their model messages; as
/// opposed to the metrics' bytes_sent, which counts every model message at
/// its serialized size whether it left its process or not.
void log_traffic(const run_env& env, double t, const tls_traffic& before) {
  auto now = tls_bytes();
  auto text = "TLS traffic through the launcher: received " +
              std::to_string(now.received - before.received) + " bytes, sent " +
              std::to_string(now.sent - before.sent) + " bytes";
  log_measured(env, t, text);
}

/// "TCP bytes between A and B: sent S, received R" (the tests read it).
std::string tcp_bytes_text(const std::string& a, const std::string& b,
                           std::uint64_t sent, std::uint64_t received) {
  return "TCP bytes between " + a + " and " + b + ": sent " +
         std::to_string(sent) + ", received " + std::to_string(received);
}

/// Logs the bytes that crossed between the launcher and each node, as the
/// kernel counted them (TLS records and BASP headers included), beside the
/// metrics' modelled bytes_sent.
void log_links(const run_env& env, double t, link_watchdog& watchdog) {
  for (auto& name : env.exp->cfg.hosts.list) {
    auto bytes = watchdog.bytes_to(parse_endpoint(name, "hosts.list"));
    log_measured(
      env, t, tcp_bytes_text("the launcher", name, bytes.sent, bytes.received));
  }
}

/// Logs the bytes over every direct link between nodes, as the connecting
/// node's kernel counted them (events.csv, kind "measured"), beside the
/// launcher's own links (log_links). A node that does not answer within
/// hosts.timeout (lost, or frozen) is named instead.
void log_node_links(caf::actor_system& sys, const run_env& env,
                    const placement_map& where, double t) {
  caf::scoped_actor self{sys};
  auto wait = to_timespan(env.exp->cfg.hosts.timeout);
  for (std::size_t k = 0; k < where.nodes.size(); ++k) {
    std::vector<std::string> lines;
    self->request(where.nodes[k], wait, links_atom::value)
      .receive(
        [&](const std::vector<peer_traffic>& links) {
          for (auto& l : links)
            lines.push_back(tcp_bytes_text(
              "node " + where.names[k], "node " + l.peer, l.sent, l.received));
        },
        [&](const caf::error& err) {
          lines.push_back("no byte counts from node " + where.names[k] + " (" +
                          sys.render(err) + ")");
        });
    for (auto& text : lines)
      log_measured(env, t, text);
  }
}

/// Connects to every node and splits the agents among them, logging how
/// many graph edges the placement cuts (each carries messages between
/// processes every round). `linked` receives the pairs of nodes to connect
/// directly (placement::linked; none when hosts.routing relays them all).
placement_map place(caf::actor_system& sys, const experiment& exp,
                    const run_env& env, link_watchdog& watchdog,
                    std::vector<std::vector<std::size_t>>& linked) {
  auto& h = exp.cfg.hosts;
  placement_map where;
  where.names = h.list;
  auto began = std::chrono::steady_clock::now();
  for (auto& name : h.list) {
    auto at = parse_endpoint(name, "hosts.list");
    watchdog.watch_peer(at);
    where.nodes.push_back(connect_to(sys, at, h.insecure, h.wait));
  }
  log_set_up_step("connected to " + std::to_string(h.list.size()) + " nodes",
                  began);
  auto placed = place_agents(exp);
  where.hosted = placed.hosted;
  if (h.routing == routing_kind::direct) {
    linked = placed.linked;
  } else {
    linked.assign(h.list.size(), {});
    std::cerr << "murmur: hosts.routing = launcher: every node-to-node "
                 "message goes through the launcher\n";
  }
  auto text = "placement " + to_string(h.placement) + ": " + placed.describe();
  std::cerr << "murmur: " << text << "\n";
  env.sink->on_event(env.seconds(sys.clock().now()), "hosts", text,
                     "placement");
  return where;
}

} // namespace

run_outcome run_across_hosts(experiment& exp, metrics_sink& sink, int threads,
                             live_service* live) {
  run_end end; // outlives the actor system: its actors report into it
  network_ledger ledger{exp.cost->links(), exp.agents()}; // and use it
  caf::actor_system_config cfg;
  configure_system(cfg, threads);
  configure_network(cfg, exp.cfg.hosts);
  caf::actor_system sys{cfg};
  link_watchdog watchdog{exp.cfg.hosts.heartbeat, exp.cfg.hosts.timeout};
  guarded_sink guarded{sink, [&end](std::string why) { end.fail(why); }};
  run_env env{&exp, &guarded, false, sys.clock().now(),
              [&end](const run_outcome& o) { end.finish(o); }};
  env.ledger = &ledger;
  auto traffic = tls_bytes();
  std::vector<std::vector<std::size_t>> linked;
  auto where = place(sys, exp, env, watchdog, linked);
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
    spawn_and_wire(sys, where, exp.cfg, observer, linked, env.network);
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
    live->serve({sys, env, control, trainers});
  caf::anon_send(boss, start_atom::value);
  while (!end.wait_for(std::chrono::milliseconds(200)))
    ;
  if (!exp.cfg.hosts.insecure)
    log_traffic(env, env.seconds(sys.clock().now()), traffic);
  log_links(env, env.seconds(sys.clock().now()), watchdog);
  log_node_links(sys, env, where, env.seconds(sys.clock().now()));
  if (live)
    live->close();
  shut_down(); // the supervisor first: agents going down now are expected
  // The local actors read env and the sink until they quit; both die
  // before sys.
  sys.await_all_actors_done();
  return end.result();
}

} // namespace murmur
