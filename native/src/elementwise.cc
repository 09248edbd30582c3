#include <cblas.h>
#include <omp.h>
#include <algorithm>
#include <cmath>
#include "kernels.h"

namespace nl {

void bias_activation(float* y, int64_t rows, int cols, const float* bias, int biasSize, int act, float alpha) {
  const int64_t n = rows * cols;
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; i++) {
    float v = y[i] + (bias ? bias[(i % cols) % biasSize] : 0.0f);
    switch (act) {
      case kRelu: v = v > 0 ? v : 0; break;
      case kRelu6: v = std::min(std::max(v, 0.0f), 6.0f); break;
      case kSigmoid: v = 1.0f / (1.0f + std::exp(-v)); break;
      case kLeakyRelu: v = v > 0 ? v : alpha * v; break;
      case kElu: v = v > 0 ? v : std::expm1(v); break;
      default: break;
    }
    y[i] = v;
  }
}

void set_threads(int n) {
  openblas_set_num_threads(n);
  omp_set_num_threads(n);
}

int get_threads() { return openblas_get_num_threads(); }

}  // namespace nl
