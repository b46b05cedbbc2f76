// Wrappers around the OpenSSL calls CAF 0.17.6's OpenSSL module
// makes, interposed by defining them in our binary (libcaf_openssl resolves
// them here first; the real ones are found with RTLD_NEXT). Three reasons, all
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
//  3. The BASP size cap (basp_frames.hpp). TLS already keeps unauthenticated
//     peers from reaching BASP; for authenticated ones SSL_read follows the
//     decrypted stream (CAF reads exactly one frame part at a time) and fails
//     the read that completes an oversized header, so CAF closes that
//     connection without allocating. tcp_guard.cpp does the same for plain
//     TCP.
#include "actors/remote/tls_guard.hpp"

#include "actors/remote/basp_frames.hpp"
#include "actors/remote/interpose.hpp"
#include "actors/remote/peer_address.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

/// One TLS session: where its decrypted stream is in the BASP framing, and
/// what is known about its peer.
struct session {
  murmur::basp_framing framing;
  bool refusal_logged = false;
  std::string peer; ///< "host:port", taken while the socket is connected
};

std::atomic<std::uint64_t> bytes_received{0};
std::atomic<std::uint64_t> bytes_sent{0};

std::mutex sessions_mtx;
std::unordered_map<const SSL*, session> sessions;

std::string peer_of(SSL* ssl) {
  return murmur::peer_address(SSL_get_fd(ssl));
}

/// Starts following a new session (SSL_free ends it, so a reused address
/// starts afresh) and notes its peer while the socket is still connected.
void begin_session(SSL* ssl) {
  std::lock_guard<std::mutex> guard{sessions_mtx};
  auto& s = sessions[ssl];
  if (s.peer.empty())
    s.peer = peer_of(ssl);
}

/// Follows `n` new bytes of the session; see basp_framing::follow.
std::uint64_t oversized(const SSL* ssl, const unsigned char* data,
                        std::size_t n) {
  std::lock_guard<std::mutex> guard{sessions_mtx};
  return sessions[ssl].framing.follow(data, n);
}

template <class F>
F real(const char* name) {
  return murmur::next_definition<F>(name);
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
    std::lock_guard<std::mutex> guard{sessions_mtx};
    auto& s = sessions[ssl];
    if (s.refusal_logged)
      return;
    s.refusal_logged = true;
    peer = s.peer.empty() ? peer_of(ssl) : s.peer;
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
      std::fputs(murmur::oversized_message(peer_of(ssl), len).c_str(), stderr);
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
    std::lock_guard<std::mutex> guard{sessions_mtx};
    sessions.erase(ssl);
  }
  f(ssl);
}

} // extern "C"
