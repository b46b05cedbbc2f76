#pragma once

// CAF 0.17's BASP framing as seen from a socket: a 32-byte header whose
// big-endian payload length sits at offset 4, then that many payload bytes,
// then the next header. CAF sizes its read buffer to whatever length a header
// announces before the payload arrives (1 GiB announced: 1 GiB resident), so
// the transports follow the framing of every connection and refuse a header
// that announces more than a model could ever need. No CAF, no sockets: the
// TLS and the plain-TCP guard and the fuzzer share this.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace murmur {

/// Largest BASP payload accepted from a peer: a node's partial sum of a
/// model of 64 M parameters (8 bytes each, core/run/model_sum.hpp; the
/// models themselves take 4) plus headroom. Everything else murmur sends is
/// far smaller.
constexpr std::uint32_t max_frame_bytes = 528u << 20;

constexpr std::size_t basp_header_bytes = 32;

/// The payload length a complete BASP header announces.
std::uint32_t announced_payload(const unsigned char* header);

/// Where one connection's received byte stream is in the BASP framing.
class basp_framing {
public:
  /// Follows `n` more received bytes, in order, split anywhere. Returns the
  /// payload length announced by a header among them that exceeds
  /// max_frame_bytes (the connection must then be closed; what follows is
  /// not looked at), or 0.
  std::uint64_t follow(const unsigned char* data, std::size_t n);

private:
  std::array<unsigned char, basp_header_bytes> header_{};
  std::size_t have_ = 0;           ///< header bytes seen so far
  std::uint64_t payload_left_ = 0; ///< payload bytes still to come
};

/// The one line a node logs when it closes such a connection.
std::string oversized_message(const std::string& peer, std::uint64_t bytes);

} // namespace murmur
