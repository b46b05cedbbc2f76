#pragma once

#include "core/config/hosts.hpp"

#include <string>

namespace murmur {

/// Checks this process's TLS files before it listens or connects, the way
/// its peers will: the certificate and the key parse as PEM and belong
/// together, the CA file holds at least one certificate, and the
/// certificate (with any intermediates in its file) verifies against that
/// CA. CAF 0.17.6 loads these files only when the first TLS session starts
/// (an exception on its multiplexer thread that aborts the process, or a
/// handshake the peer gets blamed for) and never checks that the key
/// matches. Throws input_error naming the field (`prefix` + "certificate",
/// "key" or "cafile"), the file and the fix. Nothing to check when
/// `h.insecure`.
void check_credentials(const hosts_section& h, const std::string& prefix);

} // namespace murmur
