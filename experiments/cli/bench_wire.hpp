#pragma once

#include "core/config/hosts.hpp"

#include <ostream>

namespace murmur {

/// `murmur bench wire`: models of 1e4, 1e5 and 1e6 floats sent as the
/// runtime's own exchange messages to a receiver that acknowledges each (at
/// most 8 in flight, as a mailer's window would be): inside one process
/// (handles are local: nothing is serialized), to a forked second process
/// over loopback (serialized, TLS unless `net.insecure`), and between two
/// forked nodes, first relayed through this process as a launcher would
/// relay them, then over the nodes' own connection. Prints models per second
/// and MB/s of wire bytes for each.
void bench_wire(const hosts_section& net, double seconds_per_size,
                std::ostream& out);

} // namespace murmur
