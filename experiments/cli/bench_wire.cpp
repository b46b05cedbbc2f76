#include "experiments/cli/bench_wire.hpp"

#include "actors/messages.hpp"
#include "actors/remote/transport.hpp"
#include "actors/run_env.hpp"
#include "core/run/experiment.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace murmur {

namespace {

constexpr std::size_t window = 8;

/// Parent to the sending node: measure the path to this receiver (a handle
/// the launcher passes on, so the sender reaches it through the launcher) or
/// to the one published at host:port (the sender connects to it directly).
using measure_atom = caf::atom_constant<caf::atom("measure")>;

struct figures {
  double models_per_second = 0;
  double mb_per_second = 0;
};

caf::behavior receiver(caf::event_based_actor*) {
  return {[](const exchange&) { return caf::ok_atom::value; }};
}

void configure(caf::actor_system_config& cfg, const hosts_section& net) {
  register_messages(cfg);
  configure_network(cfg, net);
  cfg.set("scheduler.max-threads", 2);
}

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

/// The sending node: measures on the launcher's request and answers with
/// models/s and MB/s. Measuring blocks one of its scheduler's threads, which
/// is all this process does.
caf::behavior sender(caf::event_based_actor* self, hosts_section net) {
  auto answer = [](const figures& f) {
    return caf::make_message(f.models_per_second, f.mb_per_second);
  };
  return {
    [=](measure_atom, const caf::actor& dest, std::uint64_t floats,
        double seconds) {
      return answer(measure(self->system(), dest, floats, seconds));
    },
    [=](measure_atom, const std::string& host, std::uint16_t port,
        std::uint64_t floats, double seconds) {
      auto dest = connect_to(self->system(), {host, port}, net.insecure, 10);
      return answer(measure(self->system(), dest, floats, seconds));
    }};
}

/// A forked process serving one published actor on 127.0.0.1 until the
/// parent lets go of it. Forked before the parent has an actor system, so
/// the child starts with one thread.
class peer_process {
public:
  peer_process(const hosts_section& net,
               caf::actor (*make)(caf::actor_system&, const hosts_section&)) {
    int up[2];
    int down[2];
    if (::pipe(up) != 0 || ::pipe(down) != 0)
      throw std::runtime_error("bench wire: cannot create pipes");
    pid_ = ::fork();
    if (pid_ < 0)
      throw std::runtime_error("bench wire: cannot fork");
    if (pid_ == 0) {
      ::close(up[0]);
      ::close(down[1]);
      serve(net, make, up[1], down[0]);
    }
    ::close(up[1]);
    ::close(down[0]);
    hold_ = down[1];
    bool told = ::read(up[0], &port_, sizeof port_) == sizeof port_;
    ::close(up[0]);
    if (!told || port_ == 0) {
      stop();
      throw std::runtime_error("bench wire: a second process could not "
                               "publish on 127.0.0.1");
    }
  }
  ~peer_process() { stop(); }
  peer_process(const peer_process&) = delete;
  peer_process& operator=(const peer_process&) = delete;

  std::uint16_t port() const { return port_; }

private:
  [[noreturn]] static void serve(const hosts_section& net,
                                 caf::actor (*make)(caf::actor_system&,
                                                    const hosts_section&),
                                 int to_parent, int from_parent) {
    caf::actor_system_config cfg;
    configure(cfg, net);
    caf::actor_system sys{cfg};
    auto whom = make(sys, net);
    std::uint16_t port = 0;
    try {
      port = publish_on(sys, whom, {"127.0.0.1", 0}, net.insecure, "bench");
    } catch (const std::exception&) {
      port = 0;
    }
    if (::write(to_parent, &port, sizeof port) != sizeof port)
      port = 0;
    char byte = 0;
    while (port != 0 && ::read(from_parent, &byte, 1) > 0) {
    }
    caf::anon_send_exit(whom, caf::exit_reason::user_shutdown);
    std::_Exit(0); // skips the parent's static destructors (forked copy)
  }

  void stop() {
    if (pid_ <= 0)
      return;
    ::close(hold_);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int hold_ = -1;
  std::uint16_t port_ = 0;
};

caf::actor make_receiver(caf::actor_system& sys, const hosts_section&) {
  return sys.spawn(receiver);
}

caf::actor make_sender(caf::actor_system& sys, const hosts_section& net) {
  return sys.spawn(sender, net);
}

/// Asks the sending node to measure a path (the arguments after the atom).
template <class... Path>
figures measure_from(caf::actor_system& sys, const caf::actor& node,
                     double seconds, Path&&... path) {
  caf::scoped_actor self{sys};
  figures f;
  caf::error failure;
  self
    ->request(node, to_timespan(seconds + 30), measure_atom::value,
              std::forward<Path>(path)..., seconds)
    .receive(
      [&](double models, double mb) {
        f = {models, mb};
      },
      [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    throw std::runtime_error("bench wire: the sending node failed: " +
                             sys.render(failure));
  return f;
}

void print_row(std::ostream& out, std::size_t floats, const char* path,
               const figures& f) {
  char line[160];
  std::snprintf(line, sizeof line, "%-10zu %-24s %12.0f %10.1f\n", floats, path,
                f.models_per_second, f.mb_per_second);
  out << line << std::flush;
}

} // namespace

void bench_wire(const hosts_section& net, double seconds_per_size,
                std::ostream& out) {
  validate_security(net, {"127.0.0.1:0"}, "--");
  const std::vector<std::size_t> sizes{10000, 100000, 1000000};
  peer_process receiving{net, make_receiver};
  peer_process sending{net, make_sender};
  caf::actor_system_config cfg;
  configure(cfg, net);
  caf::actor_system sys{cfg};
  auto remote =
    connect_to(sys, {"127.0.0.1", receiving.port()}, net.insecure, 10);
  auto node = connect_to(sys, {"127.0.0.1", sending.port()}, net.insecure, 10);
  auto local = sys.spawn(receiver);
  char header[160];
  std::snprintf(header, sizeof header, "%-10s %-24s %12s %10s\n", "floats",
                "path", "models/s", "MB/s");
  out << header;
  const char* two = net.insecure ? "2 processes, TCP" : "2 processes, TLS";
  for (auto floats : sizes) {
    print_row(out, floats, "1 process",
              measure(sys, local, floats, seconds_per_size));
    print_row(out, floats, two, measure(sys, remote, floats, seconds_per_size));
  }
  // Node to node: first through this process (the sending node only knows
  // the receiver by the handle passed on here, as in hosts.routing =
  // launcher), then over a connection of its own (hosts.routing = direct;
  // CAF prefers the direct route from then on, so this order).
  for (auto floats : sizes)
    print_row(
      out, floats, "2 nodes, via launcher",
      measure_from(sys, node, seconds_per_size, remote, std::uint64_t{floats}));
  for (auto floats : sizes)
    print_row(out, floats, "2 nodes, direct",
              measure_from(sys, node, seconds_per_size,
                           std::string{"127.0.0.1"}, receiving.port(),
                           std::uint64_t{floats}));
  caf::anon_send_exit(local, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
}

} // namespace murmur
