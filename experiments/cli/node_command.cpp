#include "experiments/cli/node_command.hpp"

#include "actors/remote/credentials.hpp"
#include "actors/remote/link_watchdog.hpp"
#include "actors/remote/node.hpp"
#include "actors/remote/transport.hpp"
#include "actors/system.hpp"
#include "core/config/config.hpp"

#include <tbb/global_control.h>

#include <csignal>
#include <pthread.h>
#include <thread>

namespace murmur {

namespace {

/// The node's flags obey the same rules as the launcher's hosts.* keys:
/// they are read through the same declarations, and errors name the flag.
void check_flags(const node_options& opts) {
  try {
    auto values = hosts_schema().to_toml(opts.net);
    hosts_section checked;
    hosts_schema().apply(checked, values);
    validate(checked, 0);
    run_config threads;
    config_schema()
      .find("run.threads")
      .read(threads, toml::value<std::int64_t>{opts.threads});
  } catch (const input_error& e) {
    std::string text = e.what();
    for (std::string prefix : {"hosts.", "run."})
      for (auto at = text.find(prefix); at != std::string::npos;
           at = text.find(prefix, at))
        text.replace(at, prefix.size(), "--");
    throw input_error(text);
  }
}

} // namespace

void node_command(const node_options& opts, std::ostream& out) {
  check_flags(opts);
  auto at = parse_endpoint(opts.listen, "--listen", true);
  validate_security(opts.net, {opts.listen}, "--");
  check_credentials(opts.net, "--");
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
  // Before the actor system, so it outlives the node actor that uses it.
  link_watchdog watchdog{opts.net.heartbeat, opts.net.timeout};
  caf::actor_system_config cfg;
  configure_system(cfg, threads);
  configure_network(cfg, opts.net);
  caf::actor_system sys{cfg};
  auto self = sys.spawn(node, &watchdog, opts.data_path);
  auto port = publish_on(sys, self, at, opts.net.insecure, "--listen");
  watchdog.watch_accepted(port);
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
