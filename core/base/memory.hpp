#pragma once

#include <cstdint>
#include <string>

namespace murmur {

/// Bytes of memory this process may still take: MemAvailable of
/// /proc/meminfo (what the kernel can give without swapping), capped by the
/// address-space limit (ulimit -v) when one is set.
std::uint64_t available_memory();

/// Refuses an allocation estimated at `bytes` that does not fit in the
/// available memory: throws input_error naming `what` (the keys that make it
/// large), the estimate and the limit, before anything is allocated.
void require_memory(std::uint64_t bytes, const std::string& what);

/// "1.5 GiB", "320 MiB", "12 KiB".
std::string show_bytes(double bytes);

} // namespace murmur
