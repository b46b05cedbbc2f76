#pragma once

#include <cstddef>

namespace murmur {

/// Matrix products where one side has at most short_rows rows: a
/// convolution's weights [out, patch] with few output channels against its
/// patch matrix [patch, batch x plane], whose long rows are the batch
/// folded into the product. A general GEMM packs both operands and runs a
/// micro-kernel 48 rows tall, most of which such shapes leave idle; these
/// keep the short side in registers and stream the long rows once, 16 lanes
/// at a time. All matrices are row-major with the given row strides (ld).
/// Rounding differs from a GEMM's.
inline constexpr std::size_t short_rows = 16;

/// y = w x, plus bias[o] on row o when bias is not null: w [m, k] (m <=
/// short_rows, rows contiguous), x [k, n], y [m, n].
void short_times(const float* w, std::size_t m, std::size_t k, const float* x,
                 std::size_t ldx, std::size_t n, const float* bias, float* y,
                 std::size_t ldy);

/// g = a b^T, or g += a b^T with `accumulate`: a [m, n] (m <= short_rows),
/// b [k, n], g [m, k] contiguous. Each entry is a dot product over n.
void short_gram(const float* a, std::size_t lda, std::size_t m, const float* b,
                std::size_t ldb, std::size_t k, std::size_t n, float* g,
                bool accumulate);

/// y = w^T d: w [m, k] (m <= short_rows, rows contiguous), d [m, n],
/// y [k, n].
void short_transposed_times(const float* w, std::size_t m, std::size_t k,
                            const float* d, std::size_t ldd, std::size_t n,
                            float* y, std::size_t ldy);

} // namespace murmur
