#pragma once

#include <string>

namespace murmur {

/// "host:port" of the peer connected to socket `fd`, or "an unknown peer".
std::string peer_address(int fd);

} // namespace murmur
