#include "actors/remote/peer_links.hpp"

#include "actors/remote/transport.hpp"
#include "actors/run_env.hpp"
#include "core/config/hosts.hpp"

#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <iostream>
#include <memory>

namespace murmur {

namespace {

/// Progress of one link request: replies still due and links made.
struct linking {
  caf::typed_response_promise<std::uint64_t> reply;
  std::size_t pending = 0;
  std::uint64_t linked = 0;
};

using link_done = std::function<void(const caf::actor&)>;

void give_up(caf::event_based_actor* self, const std::string& peer,
             const caf::error& err, const link_done& done) {
  std::cerr << "node: no direct link to " + peer + " (" +
                 self->system().render(err) +
                 "): its messages go through the launcher\n";
  done(caf::actor{});
}

void try_link(caf::event_based_actor* self, endpoint to, std::string peer,
              double wait, int attempt, link_done done) {
  auto& sys = self->system();
  caf::io::middleman_actor manager = sys.has_openssl_manager()
                                       ? sys.openssl_manager().actor_handle()
                                       : sys.middleman().actor_handle();
  self
    ->request(manager, to_timespan(wait), caf::connect_atom::value, to.host,
              to.port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>&) {
        auto other = caf::actor_cast<caf::actor>(std::move(ptr));
        self->request(other, to_timespan(wait), hello_atom::value)
          .then([=](caf::ok_atom) { done(other); },
                [=](caf::error& err) { give_up(self, peer, err, done); });
      },
      [=](caf::error& err) {
        if (retry_connect(err) && attempt + 1 < connect_attempts)
          try_link(self, to, peer, wait, attempt + 1, done);
        else
          give_up(self, peer, err, done);
      });
}

} // namespace

caf::typed_response_promise<std::uint64_t>
link_to_peers(caf::event_based_actor* self,
              const std::vector<std::string>& peers, double wait,
              peer_linked linked) {
  auto l = std::make_shared<linking>();
  l->reply = self->make_response_promise<std::uint64_t>();
  l->pending = peers.size();
  if (peers.empty())
    l->reply.deliver(std::uint64_t{0});
  for (auto& p : peers)
    try_link(self, parse_endpoint(p, "link"), p, wait, 0,
             [=](const caf::actor& node) {
               if (node)
                 linked(node, p);
               l->linked += node ? 1 : 0;
               if (--l->pending == 0)
                 l->reply.deliver(l->linked);
             });
  return l->reply;
}

} // namespace murmur
