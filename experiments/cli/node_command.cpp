#include "experiments/cli/node_command.hpp"

#include "actors/messages.hpp"
#include "actors/remote/node.hpp"
#include "actors/remote/transport.hpp"

#include <tbb/global_control.h>

#include <csignal>
#include <pthread.h>
#include <thread>

namespace murmur {

void node_command(const node_options& opts, std::ostream& out) {
  auto at = parse_endpoint(opts.listen, "--listen", true);
  validate_security(opts.net, {opts.listen}, "--");
  int threads =
    opts.threads > 0
      ? opts.threads
      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Blocked before CAF starts its threads, so they inherit the mask and the
  // signals reach sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  tbb::global_control limit{tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads)};
  caf::actor_system_config cfg;
  register_messages(cfg);
  configure_network(cfg, opts.net);
  cfg.set("scheduler.max-threads", threads);
  cfg.set("scheduler.max-throughput", 64);
  caf::actor_system sys{cfg};
  auto self = sys.spawn(node);
  auto port = publish_on(sys, self, at, opts.net.insecure, "--listen");
  out << "murmur node listening on " << at.host << ":" << port << " ("
      << (opts.net.insecure ? "plain TCP, no authentication"
                            : "TLS, peers need a certificate from the CA")
      << ")" << std::endl;
  int received = 0;
  sigwait(&stop_signals, &received);
  out << "murmur node stopping (signal " << received << ")" << std::endl;
  caf::anon_send_exit(self, caf::exit_reason::user_shutdown);
}

} // namespace murmur
