// The BASP size cap (basp_frames.hpp) on plain TCP (`murmur node
// --insecure`), the counterpart of tls_guard.cpp's. CAF 0.17.6 has no setting
// for it (its middleman options bound how often a socket is read, not what a
// header may announce). Its default transport reads every connection through
// caf::policy::tcp::read_some and closes the socket with
// caf::io::network::close_socket; libcaf_io calls both through the PLT, so the
// definitions below, in our binary, are the ones it runs. A read that
// completes an oversized header reports failure, so CAF closes that connection
// as if the peer had hung up, before it sizes a buffer for the payload. The
// framing is followed per socket and forgotten when the socket is closed, so a
// reused descriptor starts afresh.
#include "actors/remote/basp_frames.hpp"
#include "actors/remote/interpose.hpp"
#include "actors/remote/peer_address.hpp"

#include <caf/io/network/native_socket.hpp>
#include <caf/policy/tcp.hpp>

#include <cstdio>
#include <mutex>
#include <unordered_map>

namespace {

using caf::io::network::native_socket;
using caf::io::network::rw_state;

std::mutex framings_mtx;
std::unordered_map<native_socket, murmur::basp_framing> framings;

std::uint64_t oversized(native_socket fd, const void* data, std::size_t n) {
  std::lock_guard<std::mutex> guard{framings_mtx};
  return framings[fd].follow(static_cast<const unsigned char*>(data), n);
}

} // namespace

namespace caf::policy {

io::network::rw_state tcp::read_some(size_t& result, native_socket fd,
                                     void* buf, size_t len) {
  static auto real = murmur::next_definition<rw_state (*)(
    size_t&, native_socket, void*, size_t)>(
    "_ZN3caf6policy3tcp9read_someERmiPvm");
  auto state = real(result, fd, buf, len);
  if (state != rw_state::success || result == 0)
    return state;
  if (auto announced = oversized(fd, buf, result)) {
    auto line = murmur::oversized_message(murmur::peer_address(fd), announced);
    std::fputs(line.c_str(), stderr);
    return rw_state::failure;
  }
  return state;
}

} // namespace caf::policy

namespace caf::io::network {

void close_socket(native_socket fd) {
  static auto real = murmur::next_definition<void (*)(native_socket)>(
    "_ZN3caf2io7network12close_socketEi");
  {
    std::lock_guard<std::mutex> guard{framings_mtx};
    framings.erase(fd);
  }
  real(fd);
}

} // namespace caf::io::network
