#pragma once

#include "core/config/hosts.hpp"

#include <ostream>
#include <string>

namespace murmur {

struct node_options {
  std::string listen = "127.0.0.1:0"; ///< port 0: any free port
  hosts_section net; ///< certificate, key, cafile, insecure, heartbeat...
  int threads = 0;   ///< 0 = all hardware threads
  /// This host's copy of the dataset; empty: the launcher's data.path.
  std::string data_path;
};

/// `murmur node`: publishes a node actor on `listen` (TLS unless insecure)
/// and hosts agents for launchers until SIGINT or SIGTERM. Prints one line
/// "murmur node listening on HOST:PORT" (the bound port) to `out` first.
void node_command(const node_options& opts, std::ostream& out);

} // namespace murmur
