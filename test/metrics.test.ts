import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, ece, reliabilityBins, softmaxRows } from '../src/metrics/classification.js';
import { pearson, ranks, spearman, totalVariation } from '../src/metrics/maps.js';
import { clusterRatio, projectOntoColumns } from '../src/metrics/representation.js';

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
