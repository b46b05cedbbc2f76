#pragma once

#include "core/config/hosts.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace murmur {

/// Bytes that crossed one connection (or all connections to one peer), as
/// the kernel counted them: sent = acknowledged by the peer's TCP, received
/// = arrived from it. TLS records and protocol headers included.
struct link_bytes {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

/// Liveness that a saturated link cannot fake, and the bytes that really
/// crossed each connection. A peer is alive while bytes keep arriving from
/// it: a connection that delivered none for `timeout` seconds is shut down,
/// so CAF closes it and every actor monitoring that peer's actors gets a
/// down message (remote_link_unreachable), as when the peer dies.
///
/// CAF 0.17.6's own connection timeout is not used (configure_network turns
/// it off): it counts only complete BASP frames (endpoint_context::last_seen
/// is set when a whole header or payload has arrived), so its heartbeats
/// queued behind megabytes of models on a slow link made a healthy peer look
/// dead; and a connection's context starts with last_seen at the clock's
/// epoch (basp_broker's connect handler default-constructs it), so a
/// heartbeat tick between connecting and the first received byte closed the
/// connection mid-handshake with connection_timeout. CAF's heartbeats stay
/// on: they keep an idle connection delivering bytes.
///
/// The kernel's counters (TCP_INFO) see every byte that arrives, whether
/// the process has read it yet or not. A frozen peer sends nothing new; what
/// it had queued in its socket before freezing still drains, so a loss is
/// declared at most `timeout` after that queue emptied.
///
/// Which sockets are links: those accepted on this node's published port,
/// and those connected to a watched peer address. Other sockets (`murmur
/// ctl` connections, files) are left alone. The scan runs on its own thread
/// every `interval` seconds, so a busy actor scheduler cannot delay it.
class link_watchdog {
public:
  link_watchdog(double interval, double timeout);
  ~link_watchdog();

  link_watchdog(const link_watchdog&) = delete;
  link_watchdog& operator=(const link_watchdog&) = delete;

  /// Watches every connection accepted on `port`.
  void watch_accepted(std::uint16_t port);

  /// Watches connections to `to` (resolved to its addresses now) and counts
  /// their bytes under `to`'s text ("host:port").
  void watch_peer(const endpoint& to);

  /// Bytes over all connections to `to` so far, closed ones included.
  link_bytes bytes_to(const endpoint& to);

private:
  struct socket_seen {
    int fd = -1;
    std::string peer;   ///< numeric "address:port"
    std::string target; ///< the watched endpoint it counts for, if any
    link_bytes bytes;
    std::chrono::steady_clock::time_point progress; ///< last byte received
  };

  void run();
  void scan();
  void close_silent(const socket_seen& s);

  std::chrono::duration<double> interval_;
  std::chrono::duration<double> timeout_;
  std::mutex mtx_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::set<std::uint16_t> accepted_ports_;
  std::map<std::string, std::string> targets_;   ///< numeric peer -> endpoint
  std::map<unsigned long, socket_seen> sockets_; ///< by socket inode
  std::map<std::string, link_bytes> closed_;     ///< endpoint -> gone sockets
  std::thread thread_; ///< last: started once everything above exists
};

} // namespace murmur
