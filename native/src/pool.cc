// 2-D pooling, NHWC, with tfjs-cpu semantics: max ignores padding and picks the first strict
// maximum in scan order; avg divides by the number of valid taps (forward) and by the full window
// size (gradient).
#include <cstring>
#include <algorithm>
#include <limits>
#include <vector>
#include "kernels.h"

namespace nl {
namespace {

// Call f(offset of pixel (iy, ix, 0) of image b) for every in-bounds tap of the window at (y0, x0).
template <typename F>
inline void for_each_tap(const ConvGeom& g, int b, int y0, int x0, F f) {
  for (int ky = 0; ky < g.fh; ky += g.dilH) {
    const int iy = y0 + ky;
    if (iy < 0 || iy >= g.inH) continue;
    for (int kx = 0; kx < g.fw; kx += g.dilW) {
      const int ix = x0 + kx;
      if (ix < 0 || ix >= g.inW) continue;
      f(((static_cast<long>(b) * g.inH + iy) * g.inW + ix) * g.inC);
    }
  }
}

// Call f(b, window corner y0, x0, offset of output (b, oy, ox, 0)) for every output position.
template <typename F>
inline void for_each_window(const ConvGeom& g, F f) {
  for (int b = 0; b < g.batch; b++) {
    for (int oy = 0; oy < g.outH; oy++) {
      for (int ox = 0; ox < g.outW; ox++) {
        f(b, oy * g.strideH - g.padTop, ox * g.strideW - g.padLeft, ((static_cast<long>(b) * g.outH + oy) * g.outW + ox) * g.inC);
      }
    }
  }
}

}  // namespace

void max_pool(const float* x, float* y, const ConvGeom& g) {
  const int C = g.inC;
  for_each_window(g, [&](int b, int y0, int x0, long o) {
    float* out = y + o;
    for (int c = 0; c < C; c++) out[c] = -std::numeric_limits<float>::infinity();
    for_each_tap(g, b, y0, x0, [&](long i) {
      for (int c = 0; c < C; c++) if (x[i + c] > out[c]) out[c] = x[i + c];  // NaN never wins, as in tfjs-cpu
    });
  });
}

void max_pool_grad(const float* x, const float* dy, float* dx, const ConvGeom& g) {
  const int C = g.inC;
  std::memset(dx, 0, sizeof(float) * static_cast<long>(g.batch) * g.inH * g.inW * C);
  // per output position: running maximum and its input offset for every channel, channels innermost
  std::vector<float> best(C);
  std::vector<long> arg(C);
  for_each_window(g, [&](int b, int y0, int x0, long o) {
    std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
    std::fill(arg.begin(), arg.end(), -1L);
    for_each_tap(g, b, y0, x0, [&](long i) {
      for (int c = 0; c < C; c++) {
        if (x[i + c] > best[c]) { best[c] = x[i + c]; arg[c] = i + c; }  // first strict maximum wins
      }
    });
    for (int c = 0; c < C; c++) if (arg[c] >= 0) dx[arg[c]] += dy[o + c];
  });
}

void avg_pool(const float* x, float* y, const ConvGeom& g) {
  const int C = g.inC;
  for_each_window(g, [&](int b, int y0, int x0, long o) {
    float* out = y + o;
    for (int c = 0; c < C; c++) out[c] = 0;
    int count = 0;
    for_each_tap(g, b, y0, x0, [&](long i) {
      for (int c = 0; c < C; c++) out[c] += x[i + c];
      count++;
    });
    for (int c = 0; c < C; c++) out[c] /= static_cast<float>(count);
  });
}

void avg_pool_grad(const float* dy, float* dx, const ConvGeom& g) {
  const int C = g.inC;
  const float scale = 1.0f / static_cast<float>(g.fh * g.fw);
  std::memset(dx, 0, sizeof(float) * static_cast<long>(g.batch) * g.inH * g.inW * C);
  for_each_window(g, [&](int b, int y0, int x0, long o) {
    for_each_tap(g, b, y0, x0, [&](long i) {
      for (int c = 0; c < C; c++) dx[i + c] += dy[o + c] * scale;
    });
  });
}

}  // namespace nl
