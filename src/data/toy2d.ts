/** 2-D (and d-dimensional) synthetic classification data, all seeded. */
import type { Rng } from '../random/rng.js';
import type { Dataset } from './dataset.js';

function make(name: string, pts: number[][], y: number[], numClasses: number): Dataset {
  const d = pts[0]?.length ?? 2;
  const x = new Float32Array(pts.length * d);
  pts.forEach((p, i) => x.set(p, i * d));
  return { name, x, y: Int32Array.from(y), featureShape: [d], numClasses };
}

/** Two interleaving half circles (as scikit-learn's make_moons), with Gaussian noise. */
export function moons(n: number, noise: number, rng: Rng): Dataset {
  const pts: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = Math.PI * rng.uniform();
    const p = c === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    pts.push([p[0] + noise * rng.normal(), p[1] + noise * rng.normal()]);
    y.push(c);
  }
  return make('moons', pts, y, 2);
}

/** `k` interleaved spiral arms. */
export function spirals(n: number, k: number, noise: number, rng: Rng): Dataset {
  const pts: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    const r = rng.uniform();
    const t = 4 * r + (2 * Math.PI * c) / k;
    pts.push([r * Math.cos(t) + noise * rng.normal(), r * Math.sin(t) + noise * rng.normal()]);
    y.push(c);
  }
  return make('spirals', pts, y, k);
}

/**
 * A Gaussian mixture in any dimension: the component means, one isotropic standard deviation shared by all, and
 * optional weights.
 */
export interface MixtureSpec {
  means: number[][];
  std: number;
  /** mixture weights (default uniform); the label is the component */
  weights?: number[];
}

/** Isotropic Gaussian mixture; labels are the components. */
export function gaussianMixture(n: number, spec: MixtureSpec, rng: Rng): Dataset {
  const k = spec.means.length;
  const w = spec.weights ?? new Array(k).fill(1 / k);
  const total = w.reduce((a, b) => a + b, 0);
  const pts: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = rng.uniform() * total;
    let c = 0;
    while (c < k - 1 && u >= w[c]) u -= w[c++];
    pts.push(spec.means[c].map((m) => m + spec.std * rng.normal()));
    y.push(c);
  }
  return make('gaussian-mixture', pts, y, k);
}

/**
 * XOR clusters (as in Xu et al., benign overfitting for XOR cluster data): d-dimensional points around
 * +-mu1 (label 0) and +-mu2 (label 1) with orthogonal |mu1| = |mu2| = `separation`; a fraction
 * `flip` of the labels is flipped. Returns the clean labels too.
 */
export function xorClusters(n: number, d: number, separation: number, flip: number, rng: Rng): Dataset & { clean: Int32Array } {
  if (d < 2) throw new Error('xorClusters: d must be >= 2');
  const pts: number[][] = [];
  const y: number[] = [];
  const clean: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = rng.int(2);
    const sign = rng.uniform() < 0.5 ? -1 : 1;
    const p = Array.from({ length: d }, () => rng.normal());
    p[cls] += sign * separation;
    pts.push(p);
    clean.push(cls);
    y.push(rng.uniform() < flip ? 1 - cls : cls);
  }
  return { ...make('xor-clusters', pts, y, 2), clean: Int32Array.from(clean) };
}

/**
 * Two moons plus a shortcut: a third feature y * margin + N(0, noise^2) that separates the classes
 * linearly with a wide margin (Pezeshki et al.'s gradient-starvation setting). With `shortcut` false
 * the third feature is pure noise: the test of whether the moons themselves were learned.
 */
export function moonsWithShortcut(n: number, opts: { noise: number; margin: number; shortcutNoise: number; shortcut: boolean }, rng: Rng): Dataset {
  const base = moons(n, opts.noise, rng);
  const pts: number[][] = [];
  for (let i = 0; i < n; i++) {
    const s = (opts.shortcut ? (2 * base.y[i] - 1) * opts.margin : 0) + opts.shortcutNoise * rng.normal();
    pts.push([base.x[2 * i], base.x[2 * i + 1], s]);
  }
  return make(`moons+shortcut${opts.shortcut ? '' : '(removed)'}`, pts, Array.from(base.y), 2);
}

/** A 2-D swiss roll: (t cos t, t sin t) / 5 for t uniform in [1.5 pi, 4.5 pi], with Gaussian noise. */
export function swissRoll(n: number, noise: number, rng: Rng): Dataset {
  const pts = Array.from({ length: n }, () => {
    const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
    return [(t * Math.cos(t)) / 5 + noise * rng.normal(), (t * Math.sin(t)) / 5 + noise * rng.normal()];
  });
  return make('swiss-roll', pts, new Array(n).fill(0), 1);
}
