#include "core/model/footprint.hpp"

#include "core/base/error.hpp"

#include <unistd.h>

#include <cstdio>

namespace murmur {

namespace {

std::string gibibytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / (1u << 30));
  return text;
}

} // namespace

std::uint64_t bytes_per_agent(std::size_t num_params,
                              const optimizer_spec& optimizer,
                              std::size_t algorithm_vectors) {
  const auto vectors =
    model_buffers + state_vectors(optimizer) + algorithm_vectors;
  return static_cast<std::uint64_t>(vectors) * num_params * sizeof(float);
}

std::uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) *
                                   static_cast<std::uint64_t>(page)
                               : 0;
}

void check_fits(std::uint64_t agents, std::uint64_t per_agent,
                std::uint64_t available, const std::string& model) {
  // Compared in double: agents x bytes may overflow 64 bits for absurd inputs.
  const double need =
    static_cast<double>(agents) * static_cast<double>(per_agent);
  if (need <= static_cast<double>(available))
    return;
  throw input_error("run.agents: " + std::to_string(agents) + " agents of " +
                    model + " need " + gibibytes(need) +
                    " for their models and optimizer state but this machine "
                    "has " +
                    gibibytes(static_cast<double>(available)) +
                    "; use fewer agents or a smaller model");
}

} // namespace murmur
