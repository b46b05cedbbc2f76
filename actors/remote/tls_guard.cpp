// Wrappers around the OpenSSL calls CAF 0.17.6's OpenSSL module
// makes, interposed by defining them in our binary (libcaf_openssl resolves
// them here first; the real ones are found with RTLD_NEXT). Two reasons, both
// measured:
//  1. CAF never clears OpenSSL's per-thread error queue. Every connection is
//     served by the same multiplexer thread, so when one peer died the error
//     it left made SSL_get_error() on the next, healthy connection report a
//     fatal error, and CAF closed that one too: killing one node cut the
//     launcher off from the others. OpenSSL requires an empty queue before
//     each I/O call; clearing it here restores that.
//  2. CAF 0.17 has no hook for a failed handshake (logging is compiled out
//     in Debian's build), yet a refused peer must be logged: SSL_accept's
//     failure is reported here with the peer's address and OpenSSL's reason.
//  3. CAF 0.17 sizes its read buffer to whatever length a BASP header
//     announces, before the payload arrives (1 GB announced: 1 GB resident).
//     TLS already keeps unauthenticated peers from reaching BASP; for
//     authenticated ones SSL_read follows the BASP framing (32-byte header,
//     big-endian payload length at offset 4, then the payload; CAF reads
//     exactly one frame part at a time) and fails the read that completes a
//     header announcing more than max_frame_bytes, so CAF closes that
//     connection without allocating.
#include "actors/remote/tls_guard.hpp"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

/// Largest BASP payload accepted from a peer: a model of 64 M floats plus
/// headroom. Everything murmur sends is far smaller.
constexpr std::uint32_t max_frame_bytes = 256u << 20;
constexpr std::size_t basp_header_bytes = 32;

/// Where one TLS session's decrypted byte stream is in the BASP framing.
struct framing {
  std::array<unsigned char, basp_header_bytes> header{};
  std::size_t have = 0;           ///< header bytes seen so far
  std::uint64_t payload_left = 0; ///< payload bytes still to come
  bool refusal_logged = false;
  std::string peer; ///< "host:port", taken while the socket is connected
};

std::atomic<std::uint64_t> bytes_received{0};
std::atomic<std::uint64_t> bytes_sent{0};

std::mutex framing_mtx;
std::unordered_map<const SSL*, framing> framings;

std::string peer_of(SSL* ssl) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(SSL_get_fd(ssl), reinterpret_cast<sockaddr*>(&addr),
                    &len) != 0)
    return "an unknown peer";
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
    port = ntohs(in->sin6_port);
  }
  return std::string{host} + ":" + std::to_string(port);
}

/// Starts following a new session (SSL_free ends it, so a reused address
/// starts afresh) and notes its peer while the socket is still connected.
void begin_session(SSL* ssl) {
  std::lock_guard<std::mutex> guard{framing_mtx};
  auto& f = framings[ssl];
  if (f.peer.empty())
    f.peer = peer_of(ssl);
}

/// Follows `n` new bytes; the announced payload length of a header that
/// exceeds the limit, or 0.
std::uint64_t oversized(const SSL* ssl, const unsigned char* data,
                        std::size_t n) {
  std::lock_guard<std::mutex> guard{framing_mtx};
  auto& f = framings[ssl];
  while (n > 0) {
    if (f.payload_left > 0) {
      auto k = std::min<std::uint64_t>(f.payload_left, n);
      f.payload_left -= k;
      data += k;
      n -= static_cast<std::size_t>(k);
      continue;
    }
    auto k = std::min(basp_header_bytes - f.have, n);
    std::copy(data, data + k, f.header.begin() + static_cast<long>(f.have));
    f.have += k;
    data += k;
    n -= k;
    if (f.have < basp_header_bytes)
      break;
    f.have = 0;
    std::uint64_t len = (std::uint64_t{f.header[4]} << 24) |
                        (std::uint64_t{f.header[5]} << 16) |
                        (std::uint64_t{f.header[6]} << 8) | f.header[7];
    if (len > max_frame_bytes)
      return len;
    f.payload_left = len;
  }
  return 0;
}

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

/// Logs a server-side handshake that failed (once per session).
void report_refusal(SSL* ssl, int ret) {
  if (ret > 0 || !SSL_is_server(ssl) || SSL_is_init_finished(ssl))
    return;
  auto kind = SSL_get_error(ssl, ret);
  if (kind != SSL_ERROR_SSL && kind != SSL_ERROR_SYSCALL &&
      kind != SSL_ERROR_ZERO_RETURN)
    return;
  std::string peer;
  {
    std::lock_guard<std::mutex> guard{framing_mtx};
    auto& f = framings[ssl];
    if (f.refusal_logged)
      return;
    f.refusal_logged = true;
    peer = f.peer.empty() ? peer_of(ssl) : f.peer;
  }
  auto code = ERR_peek_error();
  auto* why = code ? ERR_reason_error_string(code) : nullptr;
  std::fprintf(stderr, "murmur: refused %s: TLS handshake failed (%s)\n",
               peer.c_str(),
               why ? why : "connection closed during the handshake");
}

} // namespace

murmur::tls_traffic murmur::tls_bytes() {
  return {bytes_received.load(), bytes_sent.load()};
}

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto f = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  auto ret = f(ssl, buf, num);
  report_refusal(ssl, ret); // CAF may drive the handshake through SSL_read
  if (ret > 0) {
    bytes_received += static_cast<std::uint64_t>(ret);
    auto len = oversized(ssl, static_cast<unsigned char*>(buf),
                         static_cast<std::size_t>(ret));
    if (len > 0) {
      std::fprintf(stderr,
                   "murmur: closing the connection of %s: it announced a "
                   "%llu-byte message, the limit is %u bytes\n",
                   peer_of(ssl).c_str(), static_cast<unsigned long long>(len),
                   max_frame_bytes);
      return -1; // no error queued: CAF reads it as a closed connection
    }
  }
  return ret;
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto f = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  auto ret = f(ssl, buf, num);
  if (ret > 0)
    bytes_sent += static_cast<std::uint64_t>(ret);
  return ret;
}

int SSL_connect(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_connect");
  begin_session(ssl);
  ERR_clear_error();
  return f(ssl);
}

int SSL_accept(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_accept");
  begin_session(ssl);
  ERR_clear_error();
  auto ret = f(ssl);
  report_refusal(ssl, ret);
  return ret;
}

void SSL_free(SSL* ssl) {
  static auto f = real<void (*)(SSL*)>("SSL_free");
  {
    std::lock_guard<std::mutex> guard{framing_mtx};
    framings.erase(ssl);
  }
  f(ssl);
}

} // extern "C"
