#include "actors/remote/transport.hpp"

#include "actors/run_env.hpp"

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <sstream>
#include <stdexcept>

namespace murmur {

void configure_network(caf::actor_system_config& cfg, const hosts_section& h) {
  cfg.load<caf::io::middleman>();
  if (!h.insecure) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = h.certificate;
    cfg.openssl_key = h.key;
    cfg.openssl_cafile = h.cafile;
  }
  cfg.set("middleman.heartbeat-interval", to_timespan(h.heartbeat));
  cfg.set("middleman.connection-timeout", to_timespan(h.timeout));
}

std::uint16_t publish_on(caf::actor_system& sys, const caf::actor& whom,
                         const endpoint& at, bool insecure,
                         const std::string& field) {
  auto port = insecure
                ? sys.middleman().publish(whom, at.port, at.host.c_str(), true)
                : caf::openssl::publish(whom, at.port, at.host.c_str(), true);
  if (!port)
    throw input_error(field + ": cannot listen on " + at.host + ":" +
                      std::to_string(at.port) + " (" +
                      sys.render(port.error()) + "); pick another address");
  return *port;
}

namespace {

caf::io::middleman_actor manager_of(caf::actor_system& sys, bool insecure) {
  return insecure ? sys.middleman().actor_handle()
                  : sys.openssl_manager().actor_handle();
}

} // namespace

std::string seconds_text(double seconds) {
  std::ostringstream os;
  os << seconds;
  return os.str();
}

bool retry_connect(const caf::error& err) {
  return err == caf::sec::connection_timeout;
}

caf::actor connect_to(caf::actor_system& sys, const endpoint& to, bool insecure,
                      double wait) {
  auto where = to.host + ":" + std::to_string(to.port);
  caf::actor result;
  caf::error failure;
  caf::scoped_actor self{sys};
  for (int attempt = 0; attempt < connect_attempts && !result; ++attempt) {
    self
      ->request(manager_of(sys, insecure), to_timespan(wait),
                caf::connect_atom::value, to.host, to.port)
      .receive(
        [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
            const std::set<std::string>&) {
          result = caf::actor_cast<caf::actor>(std::move(ptr));
        },
        [&](caf::error& err) { failure = std::move(err); });
    if (failure && !retry_connect(failure))
      break;
  }
  // "within" only when the wait ran out: a refused connection fails at once.
  auto timed_out = !failure || failure == caf::sec::connection_timeout ||
                   failure == caf::sec::request_timeout;
  if (!result)
    throw std::runtime_error(
      "hosts.list: no node at " + where +
      (timed_out ? " within " + seconds_text(wait) + " s" : std::string{}) +
      " (" +
      (failure ? sys.render(failure) : std::string{"nothing published there"}) +
      (insecure ? std::string{}
                : "; a TLS handshake failure means the certificates are not "
                  "signed by the same CA, or the node runs --insecure") +
      ")");
  return result;
}

} // namespace murmur
