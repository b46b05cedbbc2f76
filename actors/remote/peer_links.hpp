#pragma once

#include <caf/all.hpp>

#include <functional>
#include <string>
#include <vector>

namespace murmur {

/// Launcher to node: open direct connections to these nodes ("host:port").
using link_atom = caf::atom_constant<caf::atom("link")>;
/// Node to node over a new direct connection: is this route usable?
using hello_atom = caf::atom_constant<caf::atom("hello")>;

/// Connects this node to `peers` (the nodes that hold neighbours of its
/// agents, each pair connected by one side only, so CAF 0.17.6 never sees two
/// connections between the same nodes, whose cleanup erases the route). Each
/// connection is retried when CAF drops it during its handshake, then checked
/// with a hello the peer's node actor answers over it. CAF then sends this
/// node's messages for that peer's actors over the direct route (its routing
/// table prefers a direct route to one through the launcher); a peer that
/// cannot be reached within `wait` seconds is logged and keeps the route
/// through the launcher. The promise delivers the number of direct links;
/// `linked` is called with each peer's node actor once its link is up.
using peer_linked =
  std::function<void(const caf::actor& node, const std::string& peer)>;
caf::typed_response_promise<std::uint64_t>
link_to_peers(caf::event_based_actor* self,
              const std::vector<std::string>& peers, double wait,
              peer_linked linked);

} // namespace murmur
