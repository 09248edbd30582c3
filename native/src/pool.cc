// 2-D pooling, NHWC, with tfjs-cpu semantics: max ignores padding and picks the first strict
// maximum in scan order; avg divides by the number of valid taps (forward) and by the full window
// size (gradient).
#include <cstring>
#include <algorithm>
#include <limits>
#include <vector>
#include "kernels.h"
#include "parallel.h"

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

// Images are independent (their windows and gradients never overlap): split them across threads.
// Call start(b0, b1) once per range, then f(b, window corner y0, x0, offset of output (b, oy, ox, 0))
// for every output position of its images.
template <typename S, typename F>
inline void for_each_window(const ConvGeom& g, S start, F f) {
  const long perImage = static_cast<long>(g.outH) * g.outW * g.inC * g.fh * g.fw;
  parallel_for(g.batch, 1 + (1L << 15) / std::max(1L, perImage), [&](int64_t b0, int64_t b1) {
    auto each = f;  // a copy per thread: f may keep per-window scratch
    start(static_cast<int>(b0), static_cast<int>(b1));
    for (int b = static_cast<int>(b0); b < b1; b++) {
      for (int oy = 0; oy < g.outH; oy++) {
        for (int ox = 0; ox < g.outW; ox++) {
          each(b, oy * g.strideH - g.padTop, ox * g.strideW - g.padLeft, ((static_cast<long>(b) * g.outH + oy) * g.outW + ox) * g.inC);
        }
      }
    }
  });
}

inline auto no_start() { return [](int, int) {}; }

// start() of a gradient: clear the images' part of dx before the windows add into it.
inline auto clear_images(float* dx, const ConvGeom& g) {
  const long image = static_cast<long>(g.inH) * g.inW * g.inC;
  return [dx, image](int b0, int b1) { std::memset(dx + b0 * image, 0, sizeof(float) * (b1 - b0) * image); };
}

}  // namespace

void max_pool(const float* x, float* y, const ConvGeom& g) {
  const int C = g.inC;
  for_each_window(g, no_start(), [=](int b, int y0, int x0, long o) {
    float* out = y + o;
    for (int c = 0; c < C; c++) out[c] = -std::numeric_limits<float>::infinity();
    for_each_tap(g, b, y0, x0, [&](long i) {
      for (int c = 0; c < C; c++) if (x[i + c] > out[c]) out[c] = x[i + c];  // NaN never wins, as in tfjs-cpu
    });
  });
}

void max_pool_grad(const float* x, const float* dy, float* dx, const ConvGeom& g) {
  const int C = g.inC;
  // per output position: running maximum and its input offset for every channel, channels innermost
  std::vector<float> best(C);
  std::vector<long> arg(C);
  for_each_window(g, clear_images(dx, g), [=](int b, int y0, int x0, long o) mutable {
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
  for_each_window(g, no_start(), [=](int b, int y0, int x0, long o) {
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
  for_each_window(g, clear_images(dx, g), [=](int b, int y0, int x0, long o) {
    for_each_tap(g, b, y0, x0, [&](long i) {
      for (int c = 0; c < C; c++) dx[i + c] += dy[o + c] * scale;
    });
  });
}

}  // namespace nl
