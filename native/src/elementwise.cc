#include <cblas.h>
#include <malloc.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace nl {

namespace {
// Elementwise loops are memory-bound: a second thread pays off from ~32K elements.
constexpr int64_t kMinPerThread = 1 << 15;
}  // namespace

void bias_activation(float* y, int64_t rows, int cols, const float* bias, int biasSize, int act, float alpha) {
  parallel_for(rows * cols, kMinPerThread, [=](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      float v = y[i] + (bias ? bias[(i % cols) % biasSize] : 0.0f);
      switch (act) {
        case kRelu: v = v > 0 ? v : (v != v ? v : 0.0f); break;  // NaN stays NaN, as in tfjs's Relu
        case kRelu6: v = std::min(std::max(v, 0.0f), 6.0f); break;
        case kSigmoid: v = 1.0f / (1.0f + std::exp(-v)); break;
        case kLeakyRelu: v = v > 0 ? v : alpha * v; break;
        case kElu: v = v > 0 ? v : std::expm1(v); break;
        default: break;
      }
      y[i] = v;
    }
  });
}

namespace {

template <typename F>
void binary_loop(F f, const float* a, const int32_t* as, const float* b, const int32_t* bs, float* out,
                 const int32_t* shape, int rank) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n *= shape[i];
  if (n == 0) return;
  bool aFull = true, bFull = true, bScalar = true, aScalar = true;
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; i--) {
    if (shape[i] != 1) {
      aFull &= as[i] == stride; bFull &= bs[i] == stride;
      aScalar &= as[i] == 0; bScalar &= bs[i] == 0;
    }
    stride *= shape[i];
  }
  if (aFull && bFull) {
    parallel_for(n, kMinPerThread, [=](int64_t i0, int64_t i1) { for (int64_t i = i0; i < i1; i++) out[i] = f(a[i], b[i]); });
    return;
  }
  if (aFull && bScalar) {
    const float v = b[0];
    parallel_for(n, kMinPerThread, [=](int64_t i0, int64_t i1) { for (int64_t i = i0; i < i1; i++) out[i] = f(a[i], v); });
    return;
  }
  if (bFull && aScalar) {
    const float v = a[0];
    parallel_for(n, kMinPerThread, [=](int64_t i0, int64_t i1) { for (int64_t i = i0; i < i1; i++) out[i] = f(v, b[i]); });
    return;
  }
  // general case: walk rows of the innermost axis in order, advancing both input offsets with a
  // counter per outer axis; each thread starts its counters at its first row
  const int inner = shape[rank - 1];
  const int32_t ai = as[rank - 1], bi = bs[rank - 1];
  const int64_t outer = n / inner;
  parallel_for(outer, 1 + kMinPerThread / inner, [=](int64_t r0, int64_t r1) {
    int32_t idx[8] = {0};
    int64_t ao = 0, bo = 0;
    for (int64_t d = rank - 2, rem = r0; d >= 0; d--) {
      idx[d] = static_cast<int32_t>(rem % shape[d]);
      rem /= shape[d];
      ao += static_cast<int64_t>(idx[d]) * as[d];
      bo += static_cast<int64_t>(idx[d]) * bs[d];
    }
    for (int64_t r = r0; r < r1; r++) {
      float* o = out + r * inner;
      for (int j = 0; j < inner; j++) o[j] = f(a[ao + j * ai], b[bo + j * bi]);
      for (int d = rank - 2; d >= 0; d--) {
        if (++idx[d] < shape[d]) { ao += as[d]; bo += bs[d]; break; }
        ao -= static_cast<int64_t>(as[d]) * (shape[d] - 1);
        bo -= static_cast<int64_t>(bs[d]) * (shape[d] - 1);
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

void binary(int op, const float* a, const int32_t* as, const float* b, const int32_t* bs, float* out,
            const int32_t* shape, int rank) {
  switch (op) {
    case kAdd: binary_loop([](float x, float y) { return x + y; }, a, as, b, bs, out, shape, rank); break;
    case kSub: binary_loop([](float x, float y) { return x - y; }, a, as, b, bs, out, shape, rank); break;
    case kMul: binary_loop([](float x, float y) { return x * y; }, a, as, b, bs, out, shape, rank); break;
    case kDiv: binary_loop([](float x, float y) { return x / y; }, a, as, b, bs, out, shape, rank); break;
    // NaN propagates as in tfjs-cpu's Math.max/Math.min
    case kMaximum: binary_loop([](float x, float y) { return (x != x || y != y) ? std::numeric_limits<float>::quiet_NaN() : std::max(x, y); }, a, as, b, bs, out, shape, rank); break;
    case kMinimum: binary_loop([](float x, float y) { return (x != x || y != y) ? std::numeric_limits<float>::quiet_NaN() : std::min(x, y); }, a, as, b, bs, out, shape, rank); break;
    case kSquaredDifference: binary_loop([](float x, float y) { return (x - y) * (x - y); }, a, as, b, bs, out, shape, rank); break;
    default: break;
  }
}

void unary(int op, const float* x, float* out, int64_t n, float alpha) {
// Loops capture by value (see parallel_for): through references GCC may not vectorise them.
#define NL_UNARY(expr) \
    parallel_for(n, kMinPerThread, [=](int64_t i0, int64_t i1) { \
      for (int64_t i = i0; i < i1; i++) { const float v = x[i]; out[i] = (expr); } \
    }); \
  break;
  switch (op) {
    case kRelu_: NL_UNARY(v > 0 ? v : (v != v ? v : 0.0f))
    case kStep: NL_UNARY(v != v ? v : (v > 0 ? 1.0f : alpha))
    case kExp: NL_UNARY(std::exp(v))
    case kLog: NL_UNARY(std::log(v))
    case kNeg: NL_UNARY(-v)
    case kSqrt: NL_UNARY(std::sqrt(v))
    case kSquare: NL_UNARY(v * v)
    case kTanh: NL_UNARY(std::tanh(v))
    case kSigmoid_: NL_UNARY(1.0f / (1.0f + std::exp(-v)))
    case kAbs: NL_UNARY(std::fabs(v))
    default: break;
  }
#undef NL_UNARY
}

void reduce(int op, const float* x, const int32_t* shape, const uint8_t* reduced, int rank, float* out) {
  // strides of x, then split axes into kept (outer, in order) and reduced (inner)
  int64_t strides[8];
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
  const int64_t total = s;
  int kept[8], red[8], nk = 0, nr = 0;
  int64_t outN = 1, redN = 1;
  for (int i = 0; i < rank; i++) {
    if (reduced[i]) { red[nr++] = i; redN *= shape[i]; } else { kept[nk++] = i; outN *= shape[i]; }
  }
  const float init = op == kSum ? 0.0f : (op == kMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
  auto combine = [op](float acc, float v) {
    if (op == kSum) return acc + v;
    if (v != v) return v;  // NaN wins, as in tfjs-cpu
    return op == kMax ? (v > acc ? v : acc) : (v < acc ? v : acc);
  };
  if (total == 0) { for (int64_t i = 0; i < outN; i++) out[i] = init; return; }
  // reduced axes all leading: out[j] = combine over rows (row-wise, vectorisable)
  bool leading = true;
  for (int i = 0; i < nr; i++) leading &= red[i] == i;
  if (leading) {
    // rows [r0, r1) combined into acc[0, outN)
    auto rows = [=](int64_t r0, int64_t r1, float* acc) {
      for (int64_t j = 0; j < outN; j++) acc[j] = init;
      for (int64_t r = r0; r < r1; r++) {
        const float* row = x + r * outN;
        for (int64_t j = 0; j < outN; j++) acc[j] = combine(acc[j], row[j]);
      }
    };
    const int threads = static_cast<int>(std::min<int64_t>(pool_threads(), total / kMinPerThread));
    if (threads <= 1 || in_parallel_region()) { rows(0, redN, out); return; }
    // a few long columns (a bias gradient): each thread combines a block of rows, then the partials
    std::vector<float> partial(static_cast<size_t>(threads - 1) * outN);
    auto body = [&](int t, int nt) {
      rows(redN * t / nt, redN * (t + 1) / nt, t == 0 ? out : partial.data() + (t - 1) * outN);
    };
    run_on_threads(threads, body);
    for (int t = 1; t < threads; t++) {
      for (int64_t j = 0; j < outN; j++) out[j] = combine(out[j], partial[(t - 1) * outN + j]);
    }
    return;
  }
  // reduced axes all trailing: contiguous blocks
  bool trailing = true;
  for (int i = 0; i < nr; i++) trailing &= red[i] == rank - nr + i;
  if (trailing) {
    parallel_for(outN, 1 + kMinPerThread / redN, [=](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; j++) {
        const float* blk = x + j * redN;
        float acc = init;
        for (int64_t r = 0; r < redN; r++) acc = combine(acc, blk[r]);
        out[j] = acc;
      }
    });
    return;
  }
  // general: for each output, walk the reduced axes by their strides
  for (int64_t j = 0; j < outN; j++) {
    int64_t base = 0, rem = j;
    for (int k = nk - 1; k >= 0; k--) { base += (rem % shape[kept[k]]) * strides[kept[k]]; rem /= shape[kept[k]]; }
    float acc = init;
    for (int64_t r = 0; r < redN; r++) {
      int64_t off = base, q = r;
      for (int k = nr - 1; k >= 0; k--) { off += (q % shape[red[k]]) * strides[red[k]]; q /= shape[red[k]]; }
      acc = combine(acc, x[off]);
    }
    out[j] = acc;
  }
}

void tune_allocator() {
  // Kernel outputs are fresh Float32Arrays (calloc). Above glibc's mmap threshold every one of them is
  // a new mapping whose pages fault in on first touch; keeping them on the heap lets freed buffers be
  // reused, which removes most of that cost for the multi-MB activations of a CNN.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}


}  // namespace nl
