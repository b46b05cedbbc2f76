#pragma once

#include <cstdint>

namespace murmur {

/// Application bytes this process has received and sent over TLS so far
/// (counted in the OpenSSL wrappers of tls_guard.cpp; 0 without TLS).
struct tls_traffic {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
};

tls_traffic tls_bytes();

} // namespace murmur
