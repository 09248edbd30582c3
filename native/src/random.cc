// noiselab's seeded normal stream (src/random/rng.ts: xoshiro128** and Marsaglia's polar method) in
// C++, drawing exactly the numbers the TypeScript draws, so that gradient noise can be drawn natively
// without changing any seeded result. The polar method needs log: V8's Math.log is fdlibm's
// __ieee754_log, ported here line for line (glibc's log may differ in the last bit).
#include <cmath>
#include <cstdint>
#include <cstring>
#include "kernels.h"

namespace nl {

namespace {

inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

inline uint32_t next_u32(uint32_t* s) {
  const uint32_t result = rotl(s[1] * 5, 7) * 9;
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

inline double uniform(uint32_t* s) { return next_u32(s) / 4294967296.0; }

inline int32_t high_word(double x) { uint64_t b; std::memcpy(&b, &x, 8); return static_cast<int32_t>(b >> 32); }
inline uint32_t low_word(double x) { uint64_t b; std::memcpy(&b, &x, 8); return static_cast<uint32_t>(b); }
inline double with_high_word(double x, int32_t hi) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  b = (static_cast<uint64_t>(static_cast<uint32_t>(hi)) << 32) | (b & 0xffffffffu);
  std::memcpy(&x, &b, 8);
  return x;
}

}  // namespace

// fdlibm e_log.c (Sun Microsystems, 1993), as V8's base::ieee754::log
double fdlibm_log(double x) {
  static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10,
                      two54 = 1.80143985094819840000e+16, Lg1 = 6.666666666666735130e-01,
                      Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                      Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01,
                      Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;
  static const double zero = 0.0;
  double hfsq, f, s, z, R, w, t1, t2, dk;
  int32_t k, hx, i, j;
  uint32_t lx;
  hx = high_word(x);
  lx = low_word(x);
  k = 0;
  if (hx < 0x00100000) {  // x < 2**-1022
    if (((hx & 0x7fffffff) | lx) == 0) return -two54 / zero;  // log(+-0) = -inf
    if (hx < 0) return (x - x) / zero;                        // log(-#) = NaN
    k -= 54;
    x *= two54;  // subnormal: scale up
    hx = high_word(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  i = (hx + 0x95f64) & 0x100000;
  x = with_high_word(x, hx | (i ^ 0x3ff00000));  // normalise x or x / 2
  k += (i >> 20);
  f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {  // -2**-20 <= f < 2**-20
    if (f == zero) {
      if (k == 0) return zero;
      dk = static_cast<double>(k);
      return dk * ln2_hi + dk * ln2_lo;
    }
    R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    dk = static_cast<double>(k);
    return dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  s = f / (2.0 + f);
  dk = static_cast<double>(k);
  z = s * s;
  i = hx - 0x6147a;
  w = z * z;
  j = 0x6b851 - hx;
  t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  R = t2 + t1;
  if (i > 0) {
    hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

void normal_fill(uint32_t* s, double* spare, float* out, int64_t n, double mean, double std) {
  for (int64_t idx = 0; idx < n; idx++) {
    double z;
    if (spare[1] != 0) {
      spare[1] = 0;
      z = spare[0];
    } else {
      double u, v, q;
      do {
        u = 2 * uniform(s) - 1;
        v = 2 * uniform(s) - 1;
        q = u * u + v * v;
      } while (q >= 1 || q == 0);
      const double f = std::sqrt((-2 * fdlibm_log(q)) / q);
      spare[0] = v * f;
      spare[1] = 1;
      z = u * f;
    }
    out[idx] = static_cast<float>(mean + std * z);
  }
}

}  // namespace nl
