// GCC 12 reports a false -Wmaybe-uninitialized inside its AVX-512 intrinsics
// once Eigen's eigensolver kernels are inlined here; a pragma only takes
// effect if it precedes the intrinsics headers, so this function lives alone
// in this file to keep the suppression away from any other code.
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#  pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include "topologies/graph.hpp"

#include <Eigen/Eigenvalues>

#include "core/base/memory.hpp"
#include <algorithm>

#include <cmath>
#include <stdexcept>

namespace murmur {

double spectral_gap(const graph& g, const mixing& w) {
  // The dense symmetric eigensolver holds W and its workspace: a few n x n
  // matrices of doubles.
  auto n = static_cast<double>(g.size());
  require_memory(static_cast<std::uint64_t>(3 * 8 * n * n),
                 "spectral gap of " + std::to_string(g.size()) +
                   " agents (a dense eigensolver)");
  auto m = dense(g, w);
  if (m.rows() < 2)
    return 1; // a single agent is always at consensus
  if ((m - m.transpose()).cwiseAbs().maxCoeff() > 1e-12)
    throw std::invalid_argument("spectral_gap: mixing matrix is not symmetric");
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m,
                                                        Eigen::EigenvaluesOnly);
  // Eigenvalues come sorted ascending: lambda_n first, lambda_2 second last.
  const auto& ev = solver.eigenvalues();
  auto second = std::abs(ev(ev.size() - 2));
  auto last = std::abs(ev(0));
  return 1 - std::max(second, last);
}

} // namespace murmur
