#include <cblas.h>
#include "kernels.h"

namespace nl {

namespace {
int configured_threads = 0;  // what set_threads (or OpenBLAS's default) asked for
int active_threads = 0;

// Waking OpenBLAS's worker threads costs ~0.1-0.2 ms per call, more than a small product takes on
// one core (a 128x50x50 product is 0.3 M multiply-adds): below this size run single-threaded.
constexpr double kThreadedWork = 1 << 20;

void use_threads(int n) {
  if (n != active_threads) {
    openblas_set_num_threads(n);
    active_threads = n;
  }
}
}  // namespace

void gemm_threads_for(double work) {
  if (configured_threads == 0) configured_threads = active_threads = openblas_get_num_threads();
  use_threads(work < kThreadedWork ? 1 : configured_threads);
}

void set_threads(int n) {
  configured_threads = n;
  use_threads(n);
}

int get_threads() { return configured_threads ? configured_threads : openblas_get_num_threads(); }

void batch_matmul(const float* a, const float* b, float* c, int batchA, int batchB, int batch,
                  int m, int n, int k, bool transA, bool transB) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  const long strideA = static_cast<long>(m) * k;
  const long strideB = static_cast<long>(k) * n;
  const long strideC = static_cast<long>(m) * n;
  gemm_threads_for(static_cast<double>(m) * n * k);
  for (int i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, 1.0f, a + (i % batchA) * strideA, lda, b + (i % batchB) * strideB, ldb,
                0.0f, c + i * strideC, n);
  }
}

}  // namespace nl
