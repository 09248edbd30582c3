#include <cblas.h>
#include "kernels.h"

namespace nl {

void batch_matmul(const float* a, const float* b, float* c, int batchA, int batchB, int batch,
                  int m, int n, int k, bool transA, bool transB) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  const long strideA = static_cast<long>(m) * k;
  const long strideB = static_cast<long>(k) * n;
  const long strideC = static_cast<long>(m) * n;
  for (int i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, 1.0f, a + (i % batchA) * strideA, lda, b + (i % batchB) * strideB, ldb,
                0.0f, c + i * strideC, n);
  }
}

}  // namespace nl
