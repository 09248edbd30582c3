// Matrix products. OpenBLAS always runs single-threaded here; products large enough to pay for a
// thread wake-up are split across the pool's threads by blocks of rows of C, or of columns when C is
// wider than tall. One threading system instead of two: OpenBLAS's workers spin for a while after
// each threaded call, and on a 2-core machine that spinning took the core the kernels' own loops
// (im2col, pooling) needed next.
#include <cblas.h>
#include "kernels.h"
#include "parallel.h"

namespace nl {

namespace {
int configured_threads = 0;  // pool threads: set_threads, else OpenBLAS's default (cores or OPENBLAS_NUM_THREADS)

void init_threads() {
  if (configured_threads) return;
  configured_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
}

// Below this many multiply-adds a product runs on one thread: waking a thread costs ~10-50 us, what
// a 1M multiply-add product takes on one core.
constexpr double kThreadedWork = 1 << 21;
}  // namespace

void set_threads(int n) {
  init_threads();
  configured_threads = n > 0 ? n : 1;
}

int get_threads() {
  init_threads();
  return configured_threads;
}

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc) {
  init_threads();
  const auto ta = transA ? CblasTrans : CblasNoTrans;
  const auto tb = transB ? CblasTrans : CblasNoTrans;
  const double work = static_cast<double>(m) * n * k;
  const int threads = in_parallel_region() || work < kThreadedWork ? 1 : pool_threads();
  if (threads <= 1) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // each thread packs the whole of the operand it does not split: split the other one, the larger
  if (m >= n) {
    // rows [r0, r1) of op(A) start at row r0 of A, or at column r0 when A is stored transposed
    parallel_for(m, 1, [&](int64_t r0, int64_t r1) {
      cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(r1 - r0), n, k, alpha, a + (transA ? r0 : r0 * lda), lda, b, ldb,
                  beta, c + r0 * ldc, ldc);
    });
  } else {
    parallel_for(n, 1, [&](int64_t c0, int64_t c1) {
      cblas_sgemm(CblasRowMajor, ta, tb, m, static_cast<int>(c1 - c0), k, alpha, a, lda, b + (transB ? c0 * ldb : c0), ldb,
                  beta, c + c0, ldc);
    });
  }
}

void batch_matmul(const float* a, const float* b, float* c, int batchA, int batchB, int batch,
                  int m, int n, int k, bool transA, bool transB) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  const long strideA = static_cast<long>(m) * k;
  const long strideB = static_cast<long>(k) * n;
  const long strideC = static_cast<long>(m) * n;
  const auto one = [&](int i) {
    sgemm(transA, transB, m, n, k, 1.0f, a + (i % batchA) * strideA, lda, b + (i % batchB) * strideB, ldb, 0.0f,
          c + i * strideC, n);
  };
  // many small products: one thread per block of the batch; otherwise each product splits itself
  if (batch >= 2 * pool_threads() && static_cast<double>(m) * n * k < kThreadedWork) {
    parallel_for(batch, static_cast<int64_t>(kThreadedWork / std::max(1.0, static_cast<double>(m) * n * k)) + 1,
                 [&](int64_t i0, int64_t i1) { for (int64_t i = i0; i < i1; i++) one(static_cast<int>(i)); });
  } else {
    for (int i = 0; i < batch; i++) one(i);
  }
}

}  // namespace nl
