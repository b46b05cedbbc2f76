#pragma once

// A raw TCP client on loopback, for tests that need what an HTTP or CAF
// client hides: half-open peers, partial writes, a reader that lags.

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace murmur::testing {

/// Opens a TCP connection to 127.0.0.1:port and writes `bytes`; the socket
/// is returned open (half-open peers are part of some tests).
/// `receive_buffer` > 0 caps the socket's receive buffer, set before
/// connecting so the window it advertises stays small: a sender that
/// outruns this reader blocks soon.
inline int poke(int port, const std::string& bytes, int receive_buffer = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  if (receive_buffer > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                 sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break; // the peer hung up on us: fine
    sent += static_cast<std::size_t>(n);
  }
  return fd;
}

} // namespace murmur::testing
