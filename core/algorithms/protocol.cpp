#include "core/algorithms/protocol.hpp"

namespace murmur::protocol {

std::uint64_t wire_bytes(const message& m) {
  constexpr std::uint64_t header = 36;
  constexpr std::uint64_t entry = 8 + 8 + 1;
  auto floats = m.model ? static_cast<std::uint64_t>(m.model->size()) : 0;
  return header + sizeof(float) * floats + entry * m.peers.size();
}

} // namespace murmur::protocol
