#include "actors/remote/basp_frames.hpp"

#include <algorithm>

namespace murmur {

std::uint32_t announced_payload(const unsigned char* header) {
  return std::uint32_t{header[4]} << 24 | std::uint32_t{header[5]} << 16 |
         std::uint32_t{header[6]} << 8 | std::uint32_t{header[7]};
}

std::uint64_t basp_framing::follow(const unsigned char* data, std::size_t n) {
  while (n > 0) {
    if (payload_left_ > 0) {
      auto k = std::min<std::uint64_t>(payload_left_, n);
      payload_left_ -= k;
      data += k;
      n -= static_cast<std::size_t>(k);
      continue;
    }
    auto k = std::min(basp_header_bytes - have_, n);
    std::copy(data, data + k, header_.begin() + static_cast<long>(have_));
    have_ += k;
    data += k;
    n -= k;
    if (have_ < basp_header_bytes)
      break;
    have_ = 0;
    auto len = announced_payload(header_.data());
    if (len > max_frame_bytes)
      return len;
    payload_left_ = len;
  }
  return 0;
}

std::string oversized_message(const std::string& peer, std::uint64_t bytes) {
  return "murmur: closing the connection of " + peer + ": it announced a " +
         std::to_string(bytes) + "-byte message, the limit is " +
         std::to_string(max_frame_bytes) + " bytes\n";
}

} // namespace murmur
