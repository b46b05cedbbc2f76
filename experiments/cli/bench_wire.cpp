#include "experiments/cli/bench_wire.hpp"

#include "actors/messages.hpp"
#include "actors/remote/transport.hpp"
#include "core/run/experiment.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace murmur {

namespace {

constexpr std::size_t window = 8;

caf::behavior receiver(caf::event_based_actor*) {
  return {[](const exchange&) { return caf::ok_atom::value; }};
}

void configure(caf::actor_system_config& cfg, const hosts_section& net) {
  register_messages(cfg);
  configure_network(cfg, net);
  cfg.set("scheduler.max-threads", 2);
}

/// The second process: publishes a receiver, writes its port to `to_parent`
/// and serves until the parent closes `from_parent`.
[[noreturn]] void serve_child(const hosts_section& net, int to_parent,
                              int from_parent) {
  caf::actor_system_config cfg;
  configure(cfg, net);
  caf::actor_system sys{cfg};
  auto sink = sys.spawn(receiver);
  std::uint16_t port = 0;
  try {
    port = publish_on(sys, sink, {"127.0.0.1", 0}, net.insecure, "bench");
  } catch (const std::exception&) {
    port = 0;
  }
  if (::write(to_parent, &port, sizeof port) != sizeof port)
    port = 0;
  char byte = 0;
  while (port != 0 && ::read(from_parent, &byte, 1) > 0) {
  }
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  std::_Exit(0); // skips the parent's static destructors (forked copy)
}

struct figures {
  double models_per_second = 0;
  double mb_per_second = 0;
};

/// Sends models of `floats` to `dest` for about `seconds`, at most `window`
/// unacknowledged.
figures measure(caf::actor_system& sys, const caf::actor& dest,
                std::size_t floats, double seconds) {
  auto model =
    std::make_shared<vec>(vec::Ones(static_cast<Eigen::Index>(floats)));
  payload p{model, 1};
  caf::scoped_actor self{sys};
  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
  };
  std::size_t sent = 0;
  std::size_t acked = 0;
  bool failed = false;
  while (!failed && (elapsed() < seconds || acked < sent)) {
    while (sent - acked < window && elapsed() < seconds)
      self->send(dest, exchange{0, sent++, p, 0});
    self->receive([&](caf::ok_atom) { ++acked; },
                  caf::after(std::chrono::seconds(10)) >>
                    [&] { failed = true; });
  }
  if (failed)
    throw std::runtime_error("bench wire: no acknowledgement within 10 s");
  double rate = static_cast<double>(acked) / elapsed();
  return {rate, rate * static_cast<double>(wire_bytes(p)) / 1e6};
}

} // namespace

void bench_wire(const hosts_section& net, double seconds_per_size,
                std::ostream& out) {
  validate_security(net, {"127.0.0.1:0"}, "--");
  int up[2];
  int down[2];
  if (::pipe(up) != 0 || ::pipe(down) != 0)
    throw std::runtime_error("bench wire: cannot create pipes");
  // Forked before any actor system exists in this process, so the child
  // starts with one thread.
  pid_t child = ::fork();
  if (child < 0)
    throw std::runtime_error("bench wire: cannot fork");
  if (child == 0) {
    ::close(up[0]);
    ::close(down[1]);
    serve_child(net, up[1], down[0]);
  }
  ::close(up[1]);
  ::close(down[0]);
  std::uint16_t port = 0;
  if (::read(up[0], &port, sizeof port) != sizeof port || port == 0) {
    ::waitpid(child, nullptr, 0);
    throw std::runtime_error("bench wire: the receiving process could not "
                             "publish on 127.0.0.1");
  }
  {
    caf::actor_system_config cfg;
    configure(cfg, net);
    caf::actor_system sys{cfg};
    auto remote = connect_to(sys, {"127.0.0.1", port}, net.insecure, 10);
    auto local = sys.spawn(receiver);
    char line[160];
    std::snprintf(line, sizeof line, "%-10s %-12s %14s %12s\n", "floats",
                  "path", "models/s", "MB/s");
    out << line;
    for (std::size_t floats : {10000u, 100000u, 1000000u}) {
      for (auto [name, dest] :
           {std::pair{"1 process", local},
            std::pair{net.insecure ? "2 proc TCP" : "2 proc TLS", remote}}) {
        auto f = measure(sys, dest, floats, seconds_per_size);
        std::snprintf(line, sizeof line, "%-10zu %-12s %14.0f %12.1f\n", floats,
                      name, f.models_per_second, f.mb_per_second);
        out << line << std::flush;
      }
    }
    caf::anon_send_exit(local, caf::exit_reason::user_shutdown);
  }
  ::close(down[1]);
  ::close(up[0]);
  ::waitpid(child, nullptr, 0);
}

} // namespace murmur
