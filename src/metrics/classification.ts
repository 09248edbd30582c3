/** Classification metrics on plain arrays (probabilities or logits read back from tensors). */

/** argmax of each row of a [n, k] row-major array */
export function argmaxRows(values: ArrayLike<number>, k: number): Int32Array {
  const n = values.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (values[i * k + j] > values[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Share of predictions equal to their labels, in [0, 1] (NaN when there are none); throws when the lengths differ. */
export function accuracy(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (pred.length !== labels.length) throw new Error(`accuracy: ${pred.length} predictions vs ${labels.length} labels`);
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) hit++;
  return labels.length ? hit / labels.length : NaN;
}

/** Row-wise softmax of [n, k] logits, computed stably in float64. */
export function softmaxRows(logits: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i += k) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, logits[i + j]);
    let z = 0;
    for (let j = 0; j < k; j++) z += out[i + j] = Math.exp(logits[i + j] - m);
    for (let j = 0; j < k; j++) out[i + j] /= z;
  }
  return out;
}

/**
 * One equal-width confidence bin [lo, hi) of a reliability diagram: its example count, mean top-1 confidence and
 * accuracy (NaN when empty).
 */
export interface ReliabilityBin { lo: number; hi: number; count: number; confidence: number; accuracy: number }

/** Equal-width confidence bins (top-1 confidence), as in Guo et al. 2017. */
export function reliabilityBins(probs: ArrayLike<number>, k: number, labels: ArrayLike<number>, bins = 15): ReliabilityBin[] {
  const n = labels.length;
  if (probs.length !== n * k) throw new Error(`reliabilityBins: probs has ${probs.length} values, expected ${n}x${k}`);
  const acc = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + best]) best = j;
    const c = probs[i * k + best];
    const b = Math.min(bins - 1, Math.floor(c * bins));
    count[b]++;
    conf[b] += c;
    acc[b] += best === labels[i] ? 1 : 0;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lo: b / bins, hi: (b + 1) / bins, count: count[b],
    confidence: count[b] ? conf[b] / count[b] : NaN,
    accuracy: count[b] ? acc[b] / count[b] : NaN,
  }));
}

/** Expected calibration error: sum over bins of |accuracy - confidence| weighted by bin share. */
export function ece(probs: ArrayLike<number>, k: number, labels: ArrayLike<number>, bins = 15): number {
  const n = labels.length;
  return reliabilityBins(probs, k, labels, bins)
    .reduce((s, b) => (b.count ? s + (b.count / n) * Math.abs(b.accuracy - b.confidence) : s), 0);
}

/** Mean negative log-likelihood of the true class. */
export function nll(probs: ArrayLike<number>, k: number, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s -= Math.log(Math.max(probs[i * k + labels[i]], 1e-300));
  return s / labels.length;
}

/** Cross-entropy of the best constant predictor: the entropy of the label frequencies. */
export function labelEntropy(y: Int32Array, classes: number): number {
  const counts = new Float64Array(classes);
  y.forEach((c) => counts[c]++);
  return counts.reduce((h, c) => (c ? h - (c / y.length) * Math.log(c / y.length) : h), 0);
}

/** The risk-coverage curve of selective classification and the area under it (AURC). */
export interface RiskCoverage {
  /** coverage i/n for i = 1..n, accepting the i most confident predictions */
  coverage: Float64Array;
  /** error rate among the accepted predictions */
  risk: Float64Array;
  /** area under the risk-coverage curve: the mean of risk over the n coverages (lower is better) */
  aurc: number;
}

/**
 * Risk-coverage curve of selective classification (Geifman & El-Yaniv 2017): sort by confidence,
 * accept the most confident first. Ties in confidence are accepted together (each tied group adds its
 * mean error), so the curve does not depend on the order of equal scores.
 */
export function riskCoverage(confidence: ArrayLike<number>, correct: ArrayLike<boolean | number>): RiskCoverage {
  const n = confidence.length;
  if (correct.length !== n) throw new Error(`riskCoverage: ${n} confidences vs ${correct.length} outcomes`);
  if (n === 0) throw new Error('riskCoverage: no predictions');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => confidence[b] - confidence[a]);
  const coverage = new Float64Array(n);
  const risk = new Float64Array(n);
  let errors = 0;
  for (let start = 0; start < n;) {
    let end = start;
    let groupErrors = 0;
    while (end < n && confidence[order[end]] === confidence[order[start]]) groupErrors += correct[order[end++]] ? 0 : 1;
    for (let i = start; i < end; i++) {
      const accepted = i + 1;
      risk[i] = (errors + (groupErrors * (i - start + 1)) / (end - start)) / accepted;
      coverage[i] = accepted / n;
    }
    errors += groupErrors;
    start = end;
  }
  let area = 0;
  for (let i = 0; i < n; i++) area += risk[i];
  return { coverage, risk, aurc: area / n };
}

/** Maximum softmax probability of each row of [n, k] probabilities (the usual confidence score). */
export function maxProbability(probs: ArrayLike<number>, k: number): Float64Array {
  const n = probs.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, probs[i * k + j]);
    out[i] = m;
  }
  return out;
}

/**
 * Logit-normalised confidence (Cattelan & Silva 2023; used by Xia et al. 2024 to undo label
 * smoothing's damage to selective classification): the max of the centred logits divided by their
 * p-norm, max_k (z_k - mean z) / |z - mean z|_p. Scale-free, unlike the softmax probability.
 */
export function logitNormConfidence(logits: ArrayLike<number>, k: number, p = 2): Float64Array {
  if (!(p >= 1)) throw new Error(`logitNormConfidence: p must be >= 1, got ${p}`);
  const n = logits.length / k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < k; j++) mean += logits[i * k + j] / k;
    let max = -Infinity;
    let norm = 0;
    for (let j = 0; j < k; j++) {
      const c = logits[i * k + j] - mean;
      max = Math.max(max, c);
      norm += Math.abs(c) ** p;
    }
    norm **= 1 / p;
    out[i] = norm > 0 ? max / norm : 0;
  }
  return out;
}
