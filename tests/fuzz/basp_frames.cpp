// The BASP size guard (actors/remote/basp_frames.cpp) both transports run on
// every received byte. The input is a byte stream as a peer would send it;
// it is fed to the guard in pieces of pseudo-random sizes (CAF hands over
// whatever one socket read returned) and the guard must refuse the first
// oversized header exactly when the read that completes it arrives, as a
// whole-stream walk of the framing says.
#include "actors/remote/basp_frames.hpp"
#include "tests/fuzz/fuzz.hpp"

#include <algorithm>

namespace {

struct refusal {
  std::uint64_t announced = 0; ///< 0: none
  std::size_t header_end = 0;  ///< offset just past the oversized header
};

/// The framing walked over the whole stream at once.
refusal walk(const std::uint8_t* data, std::size_t size) {
  std::size_t pos = 0;
  while (size - pos >= murmur::basp_header_bytes) {
    const std::uint8_t* h = data + pos;
    std::uint64_t len = std::uint64_t{h[4]} << 24 | std::uint64_t{h[5]} << 16 |
                        std::uint64_t{h[6]} << 8 | h[7];
    pos += murmur::basp_header_bytes;
    if (len > murmur::max_frame_bytes)
      return {len, pos};
    if (len >= size - pos)
      break;
    pos += static_cast<std::size_t>(len);
  }
  return {};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  auto want = walk(data, size);
  murmur::basp_framing framing;
  std::uint32_t state = static_cast<std::uint32_t>(size) * 2654435761u;
  std::size_t pos = 0;
  while (pos < size) {
    state = state * 1664525u + 1013904223u;
    auto piece = std::min<std::size_t>(1 + (state >> 26), size - pos);
    auto got = framing.follow(data + pos, piece);
    pos += piece;
    if (got != 0) {
      murmur::fuzz::expect(got == want.announced,
                           "refuses the header the walk refuses");
      murmur::fuzz::expect(pos >= want.header_end &&
                             pos - piece < want.header_end,
                           "refuses on the read that completes the header");
      return 0;
    }
  }
  murmur::fuzz::expect(want.announced == 0,
                       "an oversized header is never let through");
  return 0;
}
