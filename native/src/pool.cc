// 2-D pooling, NHWC, with tfjs-cpu semantics: max ignores padding and picks the first strict
// maximum in scan order; avg divides by the number of valid taps (forward) and by the full window
// size (gradient).
#include <cstring>
#include <algorithm>
#include <limits>
#include <vector>
#include "kernels.h"

namespace nl {

template <typename F>
static void for_each_window(const ConvGeom& g, F f) {
  const long planes = static_cast<long>(g.batch) * g.outH;
  for (long p = 0; p < planes; p++) {
    const int b = static_cast<int>(p / g.outH), oy = static_cast<int>(p % g.outH);
    const int y0 = oy * g.strideH - g.padTop;
    for (int ox = 0; ox < g.outW; ox++) f(b, oy, ox, y0, ox * g.strideW - g.padLeft);
  }
}

void max_pool(const float* x, float* y, const ConvGeom& g) {
  const int C = g.inC;
  for_each_window(g, [&](int b, int oy, int ox, int y0, int x0) {
    float* out = y + ((static_cast<long>(b) * g.outH + oy) * g.outW + ox) * C;
    for (int c = 0; c < C; c++) out[c] = -std::numeric_limits<float>::infinity();
    for (int ky = 0; ky < g.fh; ky += g.dilH) {
      const int iy = y0 + ky;
      if (iy < 0 || iy >= g.inH) continue;
      for (int kx = 0; kx < g.fw; kx += g.dilW) {
        const int ix = x0 + kx;
        if (ix < 0 || ix >= g.inW) continue;
        const float* in = x + ((static_cast<long>(b) * g.inH + iy) * g.inW + ix) * C;
        for (int c = 0; c < C; c++) if (in[c] > out[c]) out[c] = in[c];  // NaN never wins, as in tfjs-cpu
      }
    }
  });
}

void max_pool_grad(const float* x, const float* dy, float* dx, const ConvGeom& g) {
  const int C = g.inC;
  std::memset(dx, 0, sizeof(float) * static_cast<long>(g.batch) * g.inH * g.inW * C);
  // per output position: running maximum and its input offset for every channel, channels innermost
  std::vector<float> best(C);
  std::vector<long> arg(C);
  for (int b = 0; b < g.batch; b++) {
    for (int oy = 0; oy < g.outH; oy++) {
      const int y0 = oy * g.strideH - g.padTop;
      for (int ox = 0; ox < g.outW; ox++) {
        const int x0 = ox * g.strideW - g.padLeft;
        std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
        std::fill(arg.begin(), arg.end(), -1L);
        for (int ky = 0; ky < g.fh; ky += g.dilH) {
          const int iy = y0 + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (int kx = 0; kx < g.fw; kx += g.dilW) {
            const int ix = x0 + kx;
            if (ix < 0 || ix >= g.inW) continue;
            const long base = ((static_cast<long>(b) * g.inH + iy) * g.inW + ix) * C;
            const float* in = x + base;
            for (int c = 0; c < C; c++) {
              if (in[c] > best[c]) { best[c] = in[c]; arg[c] = base + c; }  // first strict maximum wins
            }
          }
        }
        const float* d = dy + ((static_cast<long>(b) * g.outH + oy) * g.outW + ox) * C;
        for (int c = 0; c < C; c++) if (arg[c] >= 0) dx[arg[c]] += d[c];
      }
    }
  }
}

void avg_pool(const float* x, float* y, const ConvGeom& g) {
  const int C = g.inC;
  for_each_window(g, [&](int b, int oy, int ox, int y0, int x0) {
    float* out = y + ((static_cast<long>(b) * g.outH + oy) * g.outW + ox) * C;
    for (int c = 0; c < C; c++) out[c] = 0;
    int count = 0;
    for (int ky = 0; ky < g.fh; ky += g.dilH) {
      const int iy = y0 + ky;
      if (iy < 0 || iy >= g.inH) continue;
      for (int kx = 0; kx < g.fw; kx += g.dilW) {
        const int ix = x0 + kx;
        if (ix < 0 || ix >= g.inW) continue;
        const float* in = x + ((static_cast<long>(b) * g.inH + iy) * g.inW + ix) * C;
        for (int c = 0; c < C; c++) out[c] += in[c];
        count++;
      }
    }
    for (int c = 0; c < C; c++) out[c] /= static_cast<float>(count);
  });
}

void avg_pool_grad(const float* dy, float* dx, const ConvGeom& g) {
  const int C = g.inC;
  const float scale = 1.0f / static_cast<float>(g.fh * g.fw);
  std::memset(dx, 0, sizeof(float) * static_cast<long>(g.batch) * g.inH * g.inW * C);
  for (int b = 0; b < g.batch; b++) {
    for (int oy = 0; oy < g.outH; oy++) {
      const int y0 = oy * g.strideH - g.padTop;
      for (int ox = 0; ox < g.outW; ox++) {
        const int x0 = ox * g.strideW - g.padLeft;
        const float* d = dy + ((static_cast<long>(b) * g.outH + oy) * g.outW + ox) * C;
        for (int ky = 0; ky < g.fh; ky += g.dilH) {
          const int iy = y0 + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (int kx = 0; kx < g.fw; kx += g.dilW) {
            const int ix = x0 + kx;
            if (ix < 0 || ix >= g.inW) continue;
            float* o = dx + ((static_cast<long>(b) * g.inH + iy) * g.inW + ix) * C;
            for (int c = 0; c < C; c++) o[c] += d[c] * scale;
          }
        }
      }
    }
  }
}

}  // namespace nl
