// The BASP size guard both transports run on every received byte
// (actors/remote/basp_frames.hpp), against headers written by hand.
#include "actors/remote/basp_frames.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace murmur;

namespace {

/// A BASP header (operation `op`) announcing `payload` bytes.
std::string header(unsigned char op, std::uint32_t payload) {
  std::string h(basp_header_bytes, '\0');
  h[0] = static_cast<char>(op);
  for (int k = 0; k < 4; ++k)
    h[4 + k] = static_cast<char>(payload >> (24 - 8 * k));
  return h;
}

std::uint64_t follow(basp_framing& f, const std::string& bytes) {
  return f.follow(reinterpret_cast<const unsigned char*>(bytes.data()),
                  bytes.size());
}

} // namespace

TEST_CASE("basp guard: the announced length is big-endian at offset 4") {
  auto h = header(1, 0x40000000);
  CHECK(announced_payload(reinterpret_cast<const unsigned char*>(h.data())) ==
        0x40000000u);
}

TEST_CASE("basp guard: a header announcing 1 GiB is refused on the read "
          "that completes it, whatever the split") {
  auto h = header(1, 1u << 30);
  basp_framing byte_by_byte;
  for (std::size_t k = 0; k + 1 < h.size(); ++k)
    CHECK(follow(byte_by_byte, h.substr(k, 1)) == 0);
  CHECK(follow(byte_by_byte, h.substr(h.size() - 1)) == 1u << 30);
  basp_framing at_once;
  CHECK(follow(at_once, h) == 1u << 30);
}

TEST_CASE("basp guard: the limit is inclusive") {
  basp_framing at_limit;
  CHECK(follow(at_limit, header(1, max_frame_bytes)) == 0);
  basp_framing over;
  CHECK(follow(over, header(1, max_frame_bytes + 1)) == max_frame_bytes + 1);
}

TEST_CASE("basp guard: payload bytes are never read as a header") {
  basp_framing f;
  // A 40-byte payload that itself looks like a 1 GiB header, split across
  // reads, then a small frame, then an empty one, then an oversized one.
  auto payload = header(1, 1u << 30) + std::string(8, 'x');
  CHECK(follow(f, header(3, 40) + payload.substr(0, 10)) == 0);
  CHECK(follow(f, payload.substr(10)) == 0);
  CHECK(follow(f, header(3, 2) + "ab" + header(3, 0)) == 0);
  CHECK(follow(f, header(3, 0x7fffffff)) == 0x7fffffffu);
}
