// Wrappers around the four OpenSSL I/O calls CAF 0.17.6's OpenSSL module
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
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cstdio>
#include <string>

namespace {

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

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

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static auto f = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto f = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return f(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return f(ssl);
}

int SSL_accept(SSL* ssl) {
  static auto f = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  auto ret = f(ssl);
  if (ret <= 0) {
    auto kind = SSL_get_error(ssl, ret);
    if (kind == SSL_ERROR_SSL || kind == SSL_ERROR_SYSCALL) {
      auto code = ERR_peek_error();
      auto* why = code ? ERR_reason_error_string(code) : nullptr;
      std::fprintf(stderr, "murmur: refused %s: TLS handshake failed (%s)\n",
                   peer_of(ssl).c_str(),
                   why ? why : "connection closed during the handshake");
    }
  }
  return ret;
}

} // extern "C"
