// Fused kernels for small models' training steps: a dense layer, Adam's update and a * x + y over\n// lists of parameters.
//
// A dense layer y = act(x W + b) as one kernel forward and one per gradient backward, so that a small
// MLP's step makes a few calls per layer instead of a dozen (tfjs's engine costs ~5 us a call, more
// than a 128 x 50 layer's arithmetic). Each piece is the same arithmetic, in the same order, as the
// separate kernels it replaces (BatchMatMul, Add, Relu; Step, Multiply, Sum), so results are
// bit-identical to the unfused path.
#include <cmath>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace nl {

namespace {

// g = dy * act'(pre-activation), read from the output: for ReLU y > 0 exactly where its input was,
// and a NaN input gives a NaN output (and mask), as tfjs's Step does.
const float* activation_gradient(const float* dy, const float* y, int64_t n, int act, std::vector<float>& scratch) {
  if (act == kLinear) return dy;
  scratch.resize(static_cast<size_t>(n));
  float* g = scratch.data();
  for (int64_t i = 0; i < n; i++) {
    const float v = y[i];
    g[i] = dy[i] * (v != v ? v : (v > 0 ? 1.0f : 0.0f));
  }
  return g;
}

}  // namespace

void dense_forward(const float* x, const float* w, const float* b, float* y, int m, int k, int n, int act) {
  batch_matmul(x, w, y, 1, 1, 1, m, n, k, false, false);
  for (int64_t r = 0; r < m; r++) {
    float* row = y + r * n;
    if (b) for (int j = 0; j < n; j++) row[j] = row[j] + b[j];
    if (act == kRelu) for (int j = 0; j < n; j++) { const float v = row[j]; row[j] = v > 0 ? v : (v != v ? v : 0.0f); }
  }
}

void dense_backward(int wrt, const float* dy, const float* other, const float* y, float* out, int m, int k, int n, int act) {
  thread_local std::vector<float> scratch;
  const float* g = activation_gradient(dy, y, static_cast<int64_t>(m) * n, act, scratch);
  if (wrt == kDenseX) {
    batch_matmul(g, other, out, 1, 1, 1, m, k, n, false, true);  // dx = g W^T, other = W [k, n]
  } else if (wrt == kDenseW) {
    batch_matmul(other, g, out, 1, 1, 1, k, n, m, true, false);  // dW = x^T g, other = x [m, k]
  } else {
    const int32_t shape[2] = {m, n};
    const uint8_t reduced[2] = {1, 0};
    reduce(kSum, g, shape, reduced, 2, out);  // db = column sums of g
  }
}

void adam_update(const float* g, const float* m, const float* v, float* mOut, float* vOut, float* u, int64_t n, float b1, float b2, float oneMinusB1,
                 float oneMinusB2, float c1, float c2, float eps) {
  for (int64_t i = 0; i < n; i++) {
    const float mi = m[i] * b1 + g[i] * oneMinusB1;
    const float vi = v[i] * b2 + (g[i] * g[i]) * oneMinusB2;
    mOut[i] = mi;
    vOut[i] = vi;
    u[i] = (mi / c1) / (std::sqrt(vi / c2) + eps);
  }
}

void axpy(const float* x, const float* y, float* out, int64_t n, float alpha) {
  if (y) for (int64_t i = 0; i < n; i++) out[i] = x[i] * alpha + y[i];
  else for (int64_t i = 0; i < n; i++) out[i] = x[i] * alpha;
}

}  // namespace nl
