// Convolutions as im2col + sgemm, by chunks of images; each thread reuses its column buffer across calls.
#include <algorithm>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "parallel.h"

namespace nl {
namespace {

constexpr long kMaxColFloats = 1L << 23;  // 32 MB of columns per chunk

thread_local std::vector<float> cols_buf;

float* cols(long n) {
  if (static_cast<long>(cols_buf.size()) < n) cols_buf.resize(n);
  return cols_buf.data();
}

inline bool is_pointwise(const ConvGeom& g) {
  return g.fh == 1 && g.fw == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 &&
         g.outH == g.inH && g.outW == g.inW;
}

// cols[(img*outH + oy)*outW + ox][(ky*fw + kx)*inC + c] for images [n0, n0 + nImg)
void im2col(const float* x, float* c, const ConvGeom& g, int n0, int nImg) {
  const int K = g.fh * g.fw * g.inC;
  const int C = g.inC;
  const long rows = static_cast<long>(nImg) * g.outH * g.outW;
  for (long r = 0; r < rows; r++) {
    const int img = n0 + static_cast<int>(r / (g.outH * g.outW));
    const int rem = static_cast<int>(r % (g.outH * g.outW));
    const int oy = rem / g.outW, ox = rem % g.outW;
    float* dst = c + r * K;
    for (int ky = 0; ky < g.fh; ky++) {
      const int iy = oy * g.strideH + ky * g.dilH - g.padTop;
      for (int kx = 0; kx < g.fw; kx++) {
        const int ix = ox * g.strideW + kx * g.dilW - g.padLeft;
        float* d = dst + (ky * g.fw + kx) * C;
        if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) {
          for (int ch = 0; ch < C; ch++) d[ch] = 0.0f;
        } else {
          // a plain loop: memcpy of a few bytes per tap (C = 1 for the first layer) costs more than the copy
          const float* s = x + ((static_cast<long>(img) * g.inH + iy) * g.inW + ix) * C;
          for (int ch = 0; ch < C; ch++) d[ch] = s[ch];
        }
      }
    }
  }
}

// dx[img] += scatter of cols for images [n0, n0 + nImg); images are independent, so parallel over them
void col2im(const float* c, float* dx, const ConvGeom& g, int n0, int nImg) {
  const int K = g.fh * g.fw * g.inC;
  for (int i = 0; i < nImg; i++) {
    float* dimg = dx + static_cast<long>(n0 + i) * g.inH * g.inW * g.inC;
    for (int oy = 0; oy < g.outH; oy++) {
      for (int ox = 0; ox < g.outW; ox++) {
        const float* src = c + ((static_cast<long>(i) * g.outH + oy) * g.outW + ox) * K;
        for (int ky = 0; ky < g.fh; ky++) {
          const int iy = oy * g.strideH + ky * g.dilH - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          for (int kx = 0; kx < g.fw; kx++) {
            const int ix = ox * g.strideW + kx * g.dilW - g.padLeft;
            if (ix < 0 || ix >= g.inW) continue;
            float* d = dimg + (static_cast<long>(iy) * g.inW + ix) * g.inC;
            const float* s = src + (ky * g.fw + kx) * g.inC;
            for (int ch = 0; ch < g.inC; ch++) d[ch] += s[ch];
          }
        }
      }
    }
  }
}

// Images are split across the pool's threads; each thread walks its images in chunks whose column
// matrix stays in cache (im2col, then a single-threaded sgemm on it while it is hot) and calls
// f(n0, nImg, rows, cols, t). With fewer images than threads (or little work) the chunks are large
// and processed in turn, each product splitting itself across the threads.
constexpr long kChunkFloats = 1L << 17;  // 512 KB of columns per chunk

template <typename F>
void for_each_chunk(const ConvGeom& g, F f) {
  const long perImage = static_cast<long>(g.outH) * g.outW * g.fh * g.fw * g.inC;
  const double work = static_cast<double>(g.batch) * g.outH * g.outW * g.fh * g.fw * g.inC * g.outC;
  const int threads = std::min(pool_threads(), g.batch);
  if (threads <= 1 || work < (1 << 21)) {
    const int chunk = static_cast<int>(std::max(1L, std::min<long>(g.batch, kMaxColFloats / std::max(1L, perImage))));
    for (int n0 = 0; n0 < g.batch; n0 += chunk) {
      const int nImg = std::min(chunk, g.batch - n0);
      const long rows = static_cast<long>(nImg) * g.outH * g.outW;
      f(n0, nImg, rows, cols(rows * g.fh * g.fw * g.inC), 0);
    }
    return;
  }
  const int chunk = static_cast<int>(std::max(1L, kChunkFloats / std::max(1L, perImage)));
  auto body = [&](int t, int nt) {
    const int begin = static_cast<int>(static_cast<long>(g.batch) * t / nt);
    const int end = static_cast<int>(static_cast<long>(g.batch) * (t + 1) / nt);
    for (int n0 = begin; n0 < end; n0 += chunk) {
      const int nImg = std::min(chunk, end - n0);
      const long rows = static_cast<long>(nImg) * g.outH * g.outW;
      f(n0, nImg, rows, cols(rows * g.fh * g.fw * g.inC), t);
    }
  };
  run_on_threads(threads, body);
}

}  // namespace

void conv2d(const float* x, const float* w, float* y, const ConvGeom& g) {
  const int K = g.fh * g.fw * g.inC;
  const int O = g.outC;
  if (is_pointwise(g)) {
    sgemm(false, false, g.batch * g.outH * g.outW, O, K, 1.0f, x, K, w, O, 0.0f, y, O);
    return;
  }
  for_each_chunk(g, [&](int n0, int nImg, long rows, float* c, int) {
    im2col(x, c, g, n0, nImg);
    sgemm(false, false, rows, O, K, 1.0f, c, K, w, O, 0.0f,
                y + static_cast<long>(n0) * g.outH * g.outW * O, O);
  });
}

void conv2d_backprop_input(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  const int K = g.fh * g.fw * g.inC;
  const int O = g.outC;
  if (is_pointwise(g)) {
    sgemm(false, true, g.batch * g.outH * g.outW, K, O, 1.0f, dy, O, w, O, 0.0f, dx, K);
    return;
  }
  const long imageFloats = static_cast<long>(g.inH) * g.inW * g.inC;
  for_each_chunk(g, [&](int n0, int nImg, long rows, float* c, int) {
    std::memset(dx + n0 * imageFloats, 0, sizeof(float) * nImg * imageFloats);  // chunks own their images
    sgemm(false, true, rows, K, O, 1.0f,
                dy + static_cast<long>(n0) * g.outH * g.outW * O, O, w, O, 0.0f, c, K);
    col2im(c, dx, g, n0, nImg);
  });
}

void conv2d_backprop_filter(const float* x, const float* dy, float* dw, const ConvGeom& g) {
  const int K = g.fh * g.fw * g.inC;
  const int O = g.outC;
  if (is_pointwise(g)) {
    sgemm(true, false, K, O, g.batch * g.outH * g.outW, 1.0f, x, K, dy, O, 0.0f, dw, O);
    return;
  }
  // each thread sums its images into its own K x O partial (thread 0 into dw), then they are added
  const int maxThreads = pool_threads();
  std::vector<float> partials(static_cast<size_t>(std::max(0, maxThreads - 1)) * K * O);
  std::vector<char> used(maxThreads, 0);
  std::memset(dw, 0, sizeof(float) * K * O);
  for_each_chunk(g, [&](int n0, int nImg, long rows, float* c, int t) {
    float* acc = t == 0 ? dw : partials.data() + static_cast<size_t>(t - 1) * K * O;
    im2col(x, c, g, n0, nImg);
    sgemm(true, false, K, O, rows, 1.0f, c, K,
                dy + static_cast<long>(n0) * g.outH * g.outW * O, O, used[t] ? 1.0f : 0.0f, acc, O);
    used[t] = 1;
  });
  for (int t = 1; t < maxThreads; t++) {
    if (!used[t]) continue;
    const float* p = partials.data() + static_cast<size_t>(t - 1) * K * O;
    for (long i = 0; i < static_cast<long>(K) * O; i++) dw[i] += p[i];
  }
}

}  // namespace nl
