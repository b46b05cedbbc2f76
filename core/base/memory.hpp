#pragma once

#include <cstddef>
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

/// Asks the kernel to back the whole 2 MiB pages inside [p, p + bytes)
/// with huge pages (transparent huge pages in "madvise" mode; a no-op
/// otherwise). Call it before the memory is first written. For data read at
/// random rows: with 4 KiB pages nearly every row costs a TLB miss.
void advise_huge_pages(void* p, std::size_t bytes);

/// "1.5 GiB", "320 MiB", "12 KiB".
std::string show_bytes(double bytes);

} // namespace murmur
