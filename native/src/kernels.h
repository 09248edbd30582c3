// Kernels of the native backend. All tensors are dense row-major float32 (tfjs's NHWC layout);
// callers own every buffer, so nothing here allocates tensor storage.
#pragma once
#include <cstdint>

namespace nl {

// C[b] = op(A[b % batchA]) * op(B[b % batchB]) for b < batch (tfjs BatchMatMul broadcasting).
void batch_matmul(const float* a, const float* b, float* c, int batchA, int batchB, int batch,
                  int m, int n, int k, bool transA, bool transB);

// 2-D convolution geometry (tfjs Conv2DInfo, NHWC, filter [fh, fw, inC, outC]).
struct ConvGeom {
  int batch, inH, inW, inC, outH, outW, outC, fh, fw, strideH, strideW, dilH, dilW, padTop, padLeft;
};

void conv2d(const float* x, const float* w, float* y, const ConvGeom& g);
void conv2d_backprop_input(const float* dy, const float* w, float* dx, const ConvGeom& g);
void conv2d_backprop_filter(const float* x, const float* dy, float* dw, const ConvGeom& g);

// Pooling (same geometry; outC == inC, fh/fw are the effective window).
void max_pool(const float* x, float* y, const ConvGeom& g);
void max_pool_grad(const float* x, const float* dy, float* dx, const ConvGeom& g);
void avg_pool(const float* x, float* y, const ConvGeom& g);
// tfjs divides by the full window size in AvgPoolGrad (not by the count of valid taps): kept.
void avg_pool_grad(const float* dy, float* dx, const ConvGeom& g);

// y[r, j] = act(y[r, j] + bias[j % biasSize]) over rows x cols.
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kSigmoid = 3, kLeakyRelu = 4, kElu = 5 };
void bias_activation(float* y, int64_t rows, int cols, const float* bias, int biasSize, int act, float alpha);

// Dense layer y = act(x W + b) (act kLinear or kRelu; b may be null), x [m, k], W [k, n], y [m, n].
void dense_forward(const float* x, const float* w, const float* b, float* y, int m, int k, int n, int act);
// One gradient of the dense layer from dy and its output y: dx [m, k] (other = W), dW [k, n]
// (other = x) or db [n] (other unused).
enum DenseWrt { kDenseX = 0, kDenseW = 1, kDenseB = 2 };
void dense_backward(int wrt, const float* dy, const float* other, const float* y, float* out, int m, int k, int n, int act);

// Adam's new moments and rescaled update for n values (Kingma & Ba; c1, c2 the bias
// corrections 1 - b^t). Each operation rounds to float32 as tfjs's separate kernels do.
void adam_update(const float* g, const float* m, const float* v, float* mOut, float* vOut, float* u, int64_t n, float b1, float b2, float oneMinusB1,
                 float oneMinusB2, float c1, float c2, float eps);

// out = alpha x + y (y may be null: out = alpha x); alpha = 1 gives x + y exactly.
void axpy(const float* x, const float* y, float* out, int64_t n, float alpha);

// n draws of N(mean, std^2) from noiselab's seeded stream (src/random/rng.ts), advancing its state:
// s the four xoshiro128** words, spare = {kept second value of the polar pair, whether one is kept}.
void normal_fill(uint32_t* s, double* spare, float* out, int64_t n, double mean, double std);
// V8's Math.log (fdlibm), bit for bit.
double fdlibm_log(double x);

// Row-major C = alpha op(A) op(B) + beta C, split across the pool's threads when large.
void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc);

// Threads of the kernels' pool (OpenBLAS itself always runs single-threaded).
void set_threads(int n);
int get_threads();
void tune_allocator();

}  // namespace nl

namespace nl {

// out = a (op) b with numpy broadcasting; strides are 0 on broadcast axes, rank <= 8.
enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMaximum = 4, kMinimum = 5, kSquaredDifference = 6 };
void binary(int op, const float* a, const int32_t* aStrides, const float* b, const int32_t* bStrides,
            float* out, const int32_t* outShape, int rank);

enum UnaryOp { kRelu_ = 0, kStep = 1, kExp = 2, kLog = 3, kNeg = 4, kSqrt = 5, kSquare = 6, kTanh = 7, kSigmoid_ = 8, kAbs = 9 };
void unary(int op, const float* x, float* out, int64_t n, float alpha);

// out[kept] = reduce over the axes marked in `reduced` (shape/strides of x, rank <= 8).
enum ReduceOp { kSum = 0, kMax = 1, kMin = 2 };
void reduce(int op, const float* x, const int32_t* shape, const uint8_t* reduced, int rank, float* out);

}  // namespace nl
