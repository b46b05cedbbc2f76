#pragma once

#include <cstddef>

namespace murmur {

/// z = x w^T for row-major x [rows, in], w [out, in], z [rows, out], when w
/// has few rows (a classifier's last layer). A general GEMM packs both
/// operands and runs a micro-kernel 48 rows tall; here every pair of rows of
/// x meets every row of w in registers while both stream from cache: twice
/// as fast for out = 10. Rounding differs from the GEMM's.
void skinny_product(const float* x, const float* w, float* z, std::size_t rows,
                    std::size_t in, std::size_t out);

/// Outputs up to which skinny_product beats the GEMM.
inline constexpr std::size_t skinny_max_out = 16;

} // namespace murmur
