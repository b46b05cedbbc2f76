#include "actors/remote/link_watchdog.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/tcp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace murmur {

namespace {

/// "address:port" of a socket address, numeric.
std::string numeric(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
    port = ntohs(in->sin6_port);
  }
  return std::string{host} + ":" + std::to_string(port);
}

std::uint16_t port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

/// The inode of `fd` if it is a socket, else 0.
unsigned long socket_inode(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
    return 0;
  return static_cast<unsigned long>(st.st_ino);
}

/// A connected TCP socket: its local and peer addresses, and the kernel's
/// byte counters.
struct tcp_view {
  sockaddr_storage local{};
  sockaddr_storage peer{};
  link_bytes bytes;
};

bool view(int fd, tcp_view& v) {
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
      type != SOCK_STREAM)
    return false;
  len = sizeof v.local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&v.local), &len) != 0 ||
      (v.local.ss_family != AF_INET && v.local.ss_family != AF_INET6))
    return false;
  len = sizeof v.peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&v.peer), &len) != 0)
    return false; // listening, or not connected (any more)
  tcp_info info{};
  len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
    return false;
  v.bytes.sent = info.tcpi_bytes_acked;
  v.bytes.received = info.tcpi_bytes_received;
  return true;
}

std::string text_of(const endpoint& e) {
  return e.host + ":" + std::to_string(e.port);
}

} // namespace

link_watchdog::link_watchdog(double interval, double timeout)
  : interval_(interval), timeout_(timeout), thread_([this] { run(); }) {}

link_watchdog::~link_watchdog() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void link_watchdog::watch_accepted(std::uint16_t port) {
  std::lock_guard<std::mutex> guard{mtx_};
  accepted_ports_.insert(port);
}

void link_watchdog::watch_peer(const endpoint& to) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto port = std::to_string(to.port);
  if (::getaddrinfo(to.host.c_str(), port.c_str(), &hints, &found) != 0)
    return; // connecting will fail and say so
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto* a = found; a; a = a->ai_next) {
    sockaddr_storage addr{};
    std::copy_n(reinterpret_cast<const char*>(a->ai_addr), a->ai_addrlen,
                reinterpret_cast<char*>(&addr));
    targets_[numeric(addr)] = text_of(to);
  }
  ::freeaddrinfo(found);
}

link_bytes link_watchdog::bytes_to(const endpoint& to) {
  scan(); // up to now, not to the last tick
  std::lock_guard<std::mutex> guard{mtx_};
  auto name = text_of(to);
  auto total = closed_[name];
  for (auto& [inode, s] : sockets_)
    if (s.target == name) {
      total.sent += s.bytes.sent;
      total.received += s.bytes.received;
    }
  return total;
}

void link_watchdog::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    lock.unlock();
    scan();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void link_watchdog::scan() {
  auto now = std::chrono::steady_clock::now();
  std::map<unsigned long, socket_seen> seen;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir)
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  while (auto* entry = ::readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    auto inode = fd > 2 ? socket_inode(fd) : 0;
    tcp_view v;
    if (inode == 0 || !view(fd, v))
      continue;
    auto peer = numeric(v.peer);
    auto target = targets_.find(peer);
    if (target == targets_.end() && !accepted_ports_.count(port_of(v.local)))
      continue;
    socket_seen s{fd, peer,
                  target == targets_.end() ? std::string{} : target->second,
                  v.bytes, now};
    auto before = sockets_.find(inode);
    if (before != sockets_.end() &&
        before->second.bytes.received == s.bytes.received)
      s.progress = before->second.progress;
    seen.emplace(inode, s);
  }
  ::closedir(dir);
  for (auto& [inode, s] : sockets_)
    if (!seen.count(inode) && !s.target.empty()) {
      closed_[s.target].sent += s.bytes.sent;
      closed_[s.target].received += s.bytes.received;
    }
  sockets_ = std::move(seen);
  for (auto& [inode, s] : sockets_)
    if (now - s.progress > timeout_ && socket_inode(s.fd) == inode) {
      close_silent(s);
      s.progress = now; // said once; CAF closes it on its next read
    }
}

void link_watchdog::close_silent(const socket_seen& s) {
  char line[160];
  std::snprintf(line, sizeof line,
                "murmur: no byte from %s for %.1f s: closing the connection\n",
                s.peer.c_str(), timeout_.count());
  std::cerr << line << std::flush;
  ::shutdown(s.fd, SHUT_RDWR);
}

} // namespace murmur
