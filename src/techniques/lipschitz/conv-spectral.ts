/**
 * Spectral norms (Lipschitz constants) of convolutional layers with circular padding. The 2-D DFT
 * block-diagonalises a circular convolution: on an n x n input, frequency (u, v) sees the
 * c_out x c_in matrix M(u, v) = sum_{a,b} K[a, b, :, :]^T e^{-2 pi i (u a + v b) / n}, and the layer's
 * spectral norm is max_{u,v} sigma_1(M(u, v)). Three ways to get it:
 * - exact: the largest singular value of every frequency matrix (Jacobi on a real embedding);
 * - Gram iteration (Delattre et al. 2023): G <- G^H G on every frequency matrix at once, rescaled to
 *   stay finite, gives the upper bound ||G_t||_F^(1/2^t) at every iteration t, converging superlinearly;
 * - power iteration on the whole layer: lower estimates, converging linearly.
 * Kernels use the tfjs conv2d layout [kh, kw, c_in, c_out].
 */
import type { Rng } from '../../random/rng.js';
import { jacobiEigen } from '../../linalg/eigen.js';

/** A 2-D convolution kernel: its values and shape [kh, kw, cIn, cOut]. */
export interface ConvKernel {
  /** [kh, kw, cIn, cOut] row-major values */
  values: Float64Array | Float32Array;
  shape: [number, number, number, number];
}

/** Complex matrices, one c_out x c_in matrix per frequency: re/im [freq][o * cIn + i]. */
export interface FrequencyMatrices {
  rows: number;
  cols: number;
  re: Float64Array[];
  im: Float64Array[];
}

/** The frequency matrices of the circular convolution of `kernel` on n x n inputs. */
export function frequencyMatrices(kernel: ConvKernel, n: number): FrequencyMatrices {
  const [kh, kw, cin, cout] = kernel.shape;
  if (!(Number.isInteger(n) && n >= Math.max(kh, kw))) throw new Error(`frequencyMatrices: input size n=${n} must be an integer >= the kernel size ${kh}x${kw}`);
  if (kernel.values.length !== kh * kw * cin * cout) throw new Error(`frequencyMatrices: ${kernel.values.length} values for a kernel of shape [${kernel.shape}]`);
  const re: Float64Array[] = [];
  const im: Float64Array[] = [];
  for (let u = 0; u < n; u++) {
    for (let v = 0; v < n; v++) {
      const r = new Float64Array(cout * cin);
      const m = new Float64Array(cout * cin);
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const phase = (-2 * Math.PI * (u * a + v * b)) / n;
          const [c, s] = [Math.cos(phase), Math.sin(phase)];
          for (let i = 0; i < cin; i++) {
            for (let o = 0; o < cout; o++) {
              const k = kernel.values[((a * kw + b) * cin + i) * cout + o];
              r[o * cin + i] += k * c;
              m[o * cin + i] += k * s;
            }
          }
        }
      }
      re.push(r);
      im.push(m);
    }
  }
  return { rows: cout, cols: cin, re, im };
}

/** sigma_1 of one complex rows x cols matrix: sqrt of the top eigenvalue of M^H M via its real embedding. */
function topSingularValue(re: Float64Array, im: Float64Array, rows: number, cols: number): number {
  // H = M^H M (cols x cols, Hermitian); [[Re H, -Im H], [Im H, Re H]] has H's eigenvalues, each twice
  const n = 2 * cols;
  const e = new Float64Array(n * n);
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < cols; j++) {
      let hr = 0;
      let hi = 0;
      for (let k = 0; k < rows; k++) {
        const [ar, ai, br, bi] = [re[k * cols + i], im[k * cols + i], re[k * cols + j], im[k * cols + j]];
        hr += ar * br + ai * bi; // conj(a) b
        hi += ar * bi - ai * br;
      }
      e[i * n + j] = hr;
      e[(i + cols) * n + (j + cols)] = hr;
      e[i * n + (j + cols)] = -hi;
      e[(i + cols) * n + j] = hi;
    }
  }
  return Math.sqrt(Math.max(0, jacobiEigen(e, n).values[0]));
}

/** The exact spectral norm: the largest singular value over all frequency matrices. */
export function exactConvNorm(f: FrequencyMatrices): number {
  return Math.max(...f.re.map((re, q) => topSingularValue(re, f.im[q], f.rows, f.cols)));
}

/**
 * Gram-iteration upper bounds after 0..iterations steps (entry t uses G_t; entry 0 is the largest
 * Frobenius norm of a frequency matrix). Every entry is >= the exact norm.
 */
export function gramIterationBounds(f: FrequencyMatrices, iterations: number): number[] {
  let { rows, cols } = f;
  let re: Float64Array[] = f.re.map((a) => Float64Array.from(a));
  let im: Float64Array[] = f.im.map((a) => Float64Array.from(a));
  const logScale = new Float64Array(re.length);
  const bounds: number[] = [];
  const frob = (q: number) => Math.sqrt(re[q].reduce((s, x) => s + x * x, 0) + im[q].reduce((s, x) => s + x * x, 0));
  const bound = (t: number) => Math.max(...re.map((_, q) => Math.exp((Math.log(frob(q)) + logScale[q]) / 2 ** t)));
  bounds.push(bound(0));
  for (let t = 1; t <= iterations; t++) {
    const nextRe: Float64Array[] = [];
    const nextIm: Float64Array[] = [];
    for (let q = 0; q < re.length; q++) {
      // rescale before squaring so the entries stay finite; log scale doubles with the square
      const nrm = frob(q) || 1;
      logScale[q] = 2 * (logScale[q] + Math.log(nrm));
      const [r, m] = [re[q].map((x) => x / nrm), im[q].map((x) => x / nrm)];
      const gr = new Float64Array(cols * cols);
      const gi = new Float64Array(cols * cols);
      for (let i = 0; i < cols; i++) {
        for (let j = 0; j < cols; j++) {
          let sr = 0;
          let si = 0;
          for (let k = 0; k < rows; k++) {
            const [ar, ai, br, bi] = [r[k * cols + i], m[k * cols + i], r[k * cols + j], m[k * cols + j]];
            sr += ar * br + ai * bi;
            si += ar * bi - ai * br;
          }
          gr[i * cols + j] = sr;
          gi[i * cols + j] = si;
        }
      }
      nextRe.push(gr);
      nextIm.push(gi);
    }
    [re, im, rows] = [nextRe, nextIm, cols];
    bounds.push(bound(t));
  }
  return bounds;
}

/**
 * Power iteration on the whole layer (all frequencies together, as on the layer itself): the estimate
 * sqrt(|M^H M v| / |v|) after each of `iterations` steps, from a Gaussian start. Each is <= the norm.
 */
export function powerIterationEstimates(f: FrequencyMatrices, iterations: number, rng: Rng): number[] {
  const { rows, cols } = f;
  let vr = f.re.map(() => Float64Array.from({ length: cols }, () => rng.normal()));
  let vi = f.re.map(() => Float64Array.from({ length: cols }, () => rng.normal()));
  const out: number[] = [];
  for (let t = 0; t < iterations; t++) {
    let normV = 0;
    let normW = 0;
    const wr: Float64Array[] = [];
    const wi: Float64Array[] = [];
    f.re.forEach((re, q) => {
      const im = f.im[q];
      // y = M v, then w = M^H y
      const yr = new Float64Array(rows);
      const yi = new Float64Array(rows);
      for (let o = 0; o < rows; o++) for (let i = 0; i < cols; i++) {
        yr[o] += re[o * cols + i] * vr[q][i] - im[o * cols + i] * vi[q][i];
        yi[o] += re[o * cols + i] * vi[q][i] + im[o * cols + i] * vr[q][i];
      }
      const ar = new Float64Array(cols);
      const ai = new Float64Array(cols);
      for (let i = 0; i < cols; i++) for (let o = 0; o < rows; o++) {
        ar[i] += re[o * cols + i] * yr[o] + im[o * cols + i] * yi[o];
        ai[i] += re[o * cols + i] * yi[o] - im[o * cols + i] * yr[o];
      }
      for (let i = 0; i < cols; i++) {
        normV += vr[q][i] ** 2 + vi[q][i] ** 2;
        normW += ar[i] ** 2 + ai[i] ** 2;
      }
      wr.push(ar);
      wi.push(ai);
    });
    out.push(Math.sqrt(Math.sqrt(normW / normV)));
    const s = 1 / Math.sqrt(normW);
    vr = wr.map((a) => a.map((x) => x * s));
    vi = wi.map((a) => a.map((x) => x * s));
  }
  return out;
}

/** The explicit matrix of the circular convolution (cross-correlation, as tfjs) on n x n inputs: [cOut n^2, cIn n^2]. */
export function circularConvMatrix(kernel: ConvKernel, n: number): Float64Array {
  const [kh, kw, cin, cout] = kernel.shape;
  const cols = cin * n * n;
  const a = new Float64Array(cout * n * n * cols);
  for (let o = 0; o < cout; o++) for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    const row = (o * n + r) * n + c;
    for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) for (let i = 0; i < cin; i++) {
      const col = (i * n + ((r + p) % n)) * n + ((c + q) % n);
      a[row * cols + col] += kernel.values[((p * kw + q) * cin + i) * cout + o];
    }
  }
  return a;
}
