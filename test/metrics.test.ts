import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, ece, logitNormConfidence, maxProbability, reliabilityBins, riskCoverage, softmaxRows } from '../src/metrics/classification.js';
import { pearson, ranks, spearman, totalVariation } from '../src/metrics/maps.js';
import { clusterRatio, cosineSpread, neuralCollapseNC1, projectOntoColumns } from '../src/metrics/representation.js';
import { mmd2 } from '../src/stats/two-sample.js';
import { jacobiEigen } from '../src/techniques/curvature/spectrum.js';
import { Rng } from '../src/random/rng.js';

describe('classification metrics', () => {
  it('accuracy and argmax', () => {
    expect(Array.from(argmaxRows([0.1, 0.9, 0.8, 0.2, 0.5, 0.5], 2))).toEqual([1, 0, 0]);
    expect(accuracy([1, 0, 0], [1, 1, 0])).toBeCloseTo(2 / 3);
    expect(() => accuracy([1], [1, 2])).toThrow(/1 predictions vs 2 labels/);
  });

  it('softmax rows sum to one and are stable for large logits', () => {
    const p = softmaxRows([1000, 1001, 0, 0], 2);
    expect(p[0] + p[1]).toBeCloseTo(1, 12);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(p[2]).toBe(0.5);
  });

  it('ECE equals a hand computation', () => {
    // 4 examples, 2 classes, 10 bins: confidences 0.95 (right), 0.95 (wrong), 0.65 (right), 0.55 (right)
    const probs = [0.95, 0.05, 0.05, 0.95, 0.65, 0.35, 0.45, 0.55];
    const labels = [0, 0, 0, 1];
    const want = (2 / 4) * Math.abs(0.5 - 0.95) + (1 / 4) * Math.abs(1 - 0.65) + (1 / 4) * Math.abs(1 - 0.55);
    expect(ece(probs, 2, labels, 10)).toBeCloseTo(want, 12);
    const bins = reliabilityBins(probs, 2, labels, 10);
    expect(bins[9].count).toBe(2);
    expect(bins[9].accuracy).toBe(0.5);
    // a perfectly calibrated predictor has ECE 0
    expect(ece([1, 0, 0, 1], 2, [0, 1], 15)).toBe(0);
  });
});

describe('map metrics', () => {
  it('total variation of a hand example', () => {
    // [[0, 1], [1, 3]]: |1-0| + |3-1| + |1-0| + |3-1| = 6, l1 = 5
    expect(totalVariation([0, 1, 1, 3], 2, 2, false)).toBe(6);
    expect(totalVariation([0, 1, 1, 3], 2, 2)).toBeCloseTo(6 / 5);
    expect(totalVariation([2, 2, 2, 2], 2, 2)).toBe(0);
    expect(() => totalVariation([1, 2, 3], 2, 2)).toThrow(/expected 2x2/);
  });

  it('rank correlation with ties', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4], [10, 200, 3000, 40000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // scipy.stats.spearmanr([1,2,3,4,5],[2,1,4,3,5]) = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(0.9933992677987828, 12);
  });
});

describe('representation metrics', () => {
  it('cluster ratio of a hand example', () => {
    // class 0 at (0,+-1), class 1 at (4,+-1): within = 1, centroid distance^2 = 16
    const f = [0, 1, 0, -1, 4, 1, 4, -1];
    expect(clusterRatio(f, 2, [0, 0, 1, 1], 2)).toBeCloseTo(1 / 16, 12);
  });

  it('projects onto an orthonormal basis of the template columns', () => {
    // W columns (1,1,0) and (1,0,0) span the xy-plane: z is dropped, lengths in the plane kept
    const W = [1, 1, 1, 0, 0, 0];
    const { coords, rank } = projectOntoColumns([3, 4, 5], 3, W, 2);
    expect(rank).toBe(2);
    expect(Math.hypot(coords[0], coords[1])).toBeCloseTo(5, 10);
    // dependent columns reduce the rank
    expect(projectOntoColumns([1, 2, 3], 3, [1, 2, 1, 2, 1, 2], 2).rank).toBe(1);
  });
});

describe('selective classification', () => {
  it('risk-coverage accepts the most confident first; AURC is the mean risk (by hand)', () => {
    const rc = riskCoverage([0.6, 0.9, 0.7, 0.8], [0, 1, 1, 0]);
    // order 0.9 (right), 0.8 (wrong), 0.7 (right), 0.6 (wrong)
    expect(Array.from(rc.coverage)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(Array.from(rc.risk)).toEqual([0, 0.5, 1 / 3, 0.5]);
    expect(rc.aurc).toBeCloseTo((0 + 0.5 + 1 / 3 + 0.5) / 4, 12);
  });

  it('accepts tied confidences together, so the input order of ties does not matter', () => {
    const a = riskCoverage([0.5, 0.5, 0.9], [1, 0, 0]);
    const b = riskCoverage([0.5, 0.5, 0.9], [0, 1, 0]);
    expect(Array.from(a.risk)).toEqual(Array.from(b.risk));
    expect(Array.from(a.risk)).toEqual([1, 1.5 / 2, 2 / 3]);
    expect(() => riskCoverage([1], [1, 0])).toThrow(/1 confidences vs 2/);
  });

  it('a perfect ranking of errors has the lowest AURC; a reversed one the highest', () => {
    const correct = [1, 1, 1, 0, 0];
    const good = riskCoverage([5, 4, 3, 2, 1], correct).aurc;
    const bad = riskCoverage([1, 2, 3, 4, 5], correct).aurc;
    const mid = riskCoverage([5, 1, 3, 2, 4], correct).aurc;
    expect(good).toBeLessThan(mid);
    expect(mid).toBeLessThan(bad);
  });

  it('max probability and logit-normalised confidence (by hand; shift- and scale-free)', () => {
    expect(Array.from(maxProbability([0.2, 0.5, 0.3, 0.9, 0.05, 0.05], 3))).toEqual([0.5, 0.9]);
    // z = [3, 0, 0]: centred [2, -1, -1], 2-norm sqrt(6)
    const c = logitNormConfidence([3, 0, 0, 1, 1, 1], 3);
    expect(c[0]).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(c[1]).toBe(0);
    expect(logitNormConfidence([3, 0, 0], 3, 1)[0]).toBeCloseTo(2 / 4, 12);
    const shifted = logitNormConfidence([7 * 3 + 5, 5, 5], 3);
    expect(shifted[0]).toBeCloseTo(c[0], 12);
    expect(() => logitNormConfidence([1, 2], 2, 0.5)).toThrow(/p must be >= 1/);
  });
});

describe('cosine spread', () => {
  it('matches brute force over all pairs, and ignores feature scale and zero vectors', () => {
    const rng = new Rng(5);
    const [n, d, k] = [30, 4, 3];
    const f = Array.from({ length: n * d }, () => rng.normal());
    const y = Array.from({ length: n }, (_, i) => i % k);
    const cos = (i: number, j: number) => {
      let dot = 0, ni = 0, nj = 0;
      for (let t = 0; t < d; t++) { dot += f[i * d + t] * f[j * d + t]; ni += f[i * d + t] ** 2; nj += f[j * d + t] ** 2; }
      return dot / Math.sqrt(ni * nj);
    };
    let total = 0, pairs = 0;
    const within: number[] = [];
    for (let c = 0; c < k; c++) {
      let s = 0, m = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && y[i] === c && y[j] === c) { s += 1 - cos(i, j); m++; }
      within.push(s / m);
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) { total += 1 - cos(i, j); pairs++; }
    const got = cosineSpread(f, d, y, k);
    const w = within.reduce((a, b) => a + b) / k;
    expect(got.within).toBeCloseTo(w, 10);
    expect(got.total).toBeCloseTo(total / pairs, 10);
    expect(got.separation).toBeCloseTo(1 - w / (total / pairs), 10);
    const scaled = cosineSpread(f.map((v, i) => v * (1 + (Math.floor(i / d) % 5))), d, y, k);
    expect(scaled.within).toBeCloseTo(got.within, 10);
    const withZero = cosineSpread([...f, 0, 0, 0, 0], d, [...y, 0], k);
    expect(withZero.within).toBeCloseTo(got.within, 10);
  });
});

describe('neural collapse NC1', () => {
  it('equals (1/C) Tr(Sigma_W pinv(Sigma_B)) computed densely, and is 0 for collapsed classes', () => {
    const rng = new Rng(7);
    const [n, d, C] = [60, 6, 3];
    const y = Array.from({ length: n }, (_, i) => i % C);
    const means = Array.from({ length: C }, () => Array.from({ length: d }, () => 3 * rng.normal()));
    const f = y.flatMap((c) => means[c].map((m) => m + rng.normal()));
    // dense: Sigma_W, Sigma_B and the pseudo-inverse by eigendecomposition
    const mu = means.map((_, c) => Array.from({ length: d }, (_, j) => { const idx = y.flatMap((yc, i) => (yc === c ? [i] : [])); return idx.reduce((s, i) => s + f[i * d + j], 0) / idx.length; }));
    const g = Array.from({ length: d }, (_, j) => y.reduce((s, _c, i) => s + f[i * d + j], 0) / n);
    const SW = new Float64Array(d * d);
    const SB = new Float64Array(d * d);
    y.forEach((c, i) => { for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) SW[a * d + b] += ((f[i * d + a] - mu[c][a]) * (f[i * d + b] - mu[c][b])) / n; });
    mu.forEach((m) => { for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) SB[a * d + b] += ((m[a] - g[a]) * (m[b] - g[b])) / C; });
    const { values, vectors } = jacobiEigen(SB, d);
    const top = Math.max(...values);
    let trace = 0;
    values.forEach((l, k) => {
      if (l < top * 1e-9) return;
      const u = vectors[k];
      let q = 0;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) q += u[a] * SW[a * d + b] * u[b];
      trace += q / l;
    });
    expect(neuralCollapseNC1(f, d, y, C)).toBeCloseTo(trace / C, 8);
    const collapsed = y.flatMap((c) => means[c]);
    expect(neuralCollapseNC1(collapsed, d, y, C)).toBeCloseTo(0, 12);
    expect(() => neuralCollapseNC1(f, d, y, 4)).toThrow(/every class/);
  });
});

describe('MMD', () => {
  it('by hand on two points each, and near 0 for two samples of one distribution', () => {
    const h = 0.7;
    expect(mmd2([0, 0], [1, 1], 1, { bandwidth: h })).toBeCloseTo(2 - 2 * Math.exp(-1 / (2 * h * h)), 12);
    const rng = new Rng(3);
    const draw = () => Array.from({ length: 800 }, () => rng.normal());
    const same = mmd2(draw(), draw(), 2, { bandwidth: 1 });
    const shifted = mmd2(draw(), draw().map((v) => v + 1), 2, { bandwidth: 1 });
    expect(Math.abs(same)).toBeLessThan(0.01);
    expect(shifted).toBeGreaterThan(0.1);
  });
});
