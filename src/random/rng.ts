/**
 * Seeded randomness: xoshiro128** seeded through splitmix32, so the same seed gives the same numbers
 * on every backend and machine (tf.random* depends on the backend). `fork(label)` derives an
 * independent stream, so data order, initialisation and injected noise do not share one sequence and
 * adding a draw in one place does not shift the others.
 */
import * as tf from '@tensorflow/tfjs';

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of a label, to mix into a seed. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Draws `out.length` values of N(mean, std^2) exactly as repeated `normal()` calls would, advancing
 * the xoshiro state and the polar method's kept value in place (the native backend provides one, so
 * that large draws such as gradient noise cost no JS time).
 */
export type NormalFiller = (state: Int32Array, spare: Float64Array, out: Float32Array, mean: number, std: number) => void;

let nativeNormals: NormalFiller | null = null;

/** Use `f` for large normal draws (null: draw in JS); the numbers are the same either way. */
export function useNormalFiller(f: NormalFiller | null): void {
  nativeNormals = f;
}

/** Below this many values a native call costs more than it saves. */
const NATIVE_MIN = 256;

/** A seeded random stream (xoshiro128**), the same on every backend and machine; `fork` derives independent streams. */
export class Rng {
  // state in an Int32Array: uint32 words in object fields would be boxed as heap numbers by V8
  private readonly s = new Int32Array(4);
  private spare = 0;
  private hasSpare = false;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.seed = seed;
    const sm = splitmix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
    for (let i = 0; i < 4; i++) this.s[i] = sm();
  }

  /** An independent stream named by `label` (same seed + label -> same stream). */
  fork(label: string): Rng {
    return new Rng((hashLabel(label) ^ Math.imul(this.seed | 0, 0x9e3779b1)) >>> 0);
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Marsaglia's polar method: no trigonometry; the pair's second value is kept). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * f;
    this.hasSpare = true;
    return u * f;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang (shape < 1 boosted by U^(1/shape)). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`Rng.gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.uniform() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Student's t with `df` degrees of freedom (any df > 0: heavy tails, infinite variance for df <= 2). */
  studentT(df: number): number {
    if (!(df > 0)) throw new Error(`Rng.studentT: df must be > 0, got ${df}`);
    return this.normal() / Math.sqrt((2 * this.gamma(df / 2)) / df);
  }

  /** Fisher-Yates shuffle of a copy. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }

  /** `n` draws of N(mean, std^2) as float32, the same numbers as `n` calls of `normal()`. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const a = new Float32Array(n);
    if (nativeNormals && n >= NATIVE_MIN) {
      const spare = Float64Array.of(this.spare, this.hasSpare ? 1 : 0);
      nativeNormals(this.s, spare, a, mean, std);
      this.spare = spare[0];
      this.hasSpare = spare[1] !== 0;
      return a;
    }
    for (let i = 0; i < n; i++) a[i] = mean + std * this.normal();
    return a;
  }

  /** `n` draws uniform in [lo, hi), as float32. */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * this.uniform();
    return a;
  }

  /** A tensor of N(mean, std^2) draws from this stream (identical on every backend). */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    return tf.tensor(this.normalArray(sizeOf(shape), mean, std), shape, 'float32');
  }

  /** A float32 tensor of draws uniform in [lo, hi) from this stream (the same on every backend). */
  uniformTensor(shape: number[], lo = 0, hi = 1): tf.Tensor {
    return tf.tensor(this.uniformArray(sizeOf(shape), lo, hi), shape, 'float32');
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
