/**
 * Measuring what a sample is worth: the error of estimated mixture means up to relabelling, and the
 * sample size at which an error curve reaches a target error.
 */

const MAX_PERMUTED = 8;

/**
 * Root-mean-square distance between estimated and true means under the best relabelling:
 * sqrt(min over permutations pi of (1/K) sum_k |est_pi(k) - truth_k|^2). Mixture means are identified only
 * up to a permutation of the components (label switching), so the error must not depend on the order EM
 * returns them in. Exhaustive over K! permutations (K <= 8).
 */
export function matchedMeanError(est: number[][], truth: number[][]): number {
  const K = truth.length;
  if (K < 1 || est.length !== K) throw new Error(`matchedMeanError: est must have ${K} means (one per true mean), got ${est.length}`);
  if (K > MAX_PERMUTED) throw new Error(`matchedMeanError: K must be <= ${MAX_PERMUTED} (exhaustive matching), got ${K}`);
  const d = truth[0].length;
  if ([...est, ...truth].some((m) => m.length !== d)) throw new Error(`matchedMeanError: every mean must have dimension ${d}`);
  const cost = est.map((e) => truth.map((t) => e.reduce((s, x, j) => s + (x - t[j]) ** 2, 0)));
  let best = Infinity;
  const used = new Array<boolean>(K).fill(false);
  // depth-first over assignments of truth k to an unused estimate, pruned by the best total so far
  const visit = (k: number, acc: number) => {
    if (acc >= best) return;
    if (k === K) { best = acc; return; }
    for (let i = 0; i < K; i++) {
      if (used[i]) continue;
      used[i] = true;
      visit(k + 1, acc + cost[i][k]);
      used[i] = false;
    }
  };
  visit(0, 0);
  return Math.sqrt(best / K);
}

/** What {@link samplesToMatch} returns. */
export interface SamplesToMatch {
  /** the sample size at which the error curve reaches the target */
  n: number;
  /** true when the target lies below the curve's smallest error, so n is extrapolated past the largest size */
  extrapolated: boolean;
}

/**
 * The sample size at which an error curve, measured at increasing `sizes`, first reaches `target`:
 * linear interpolation of log error on log size between the bracketing sizes (a power law between
 * them). A target at or above the first error gives the first size. A target below the last error is
 * extrapolated from the last size at the parametric rate error ~ n^(-1/2), and flagged.
 */
export function samplesToMatch(sizes: readonly number[], errors: readonly number[], target: number): SamplesToMatch {
  const m = sizes.length;
  if (m < 1 || errors.length !== m) throw new Error(`samplesToMatch: sizes and errors must have the same length >= 1, got ${m} and ${errors.length}`);
  for (let i = 0; i < m; i++) {
    if (!(sizes[i] > 0 && (i === 0 || sizes[i] > sizes[i - 1]))) throw new Error(`samplesToMatch: sizes must be positive and strictly increasing (index ${i})`);
    if (!(errors[i] > 0 && Number.isFinite(errors[i]))) throw new Error(`samplesToMatch: errors must be finite and > 0, got ${errors[i]} at index ${i}`);
  }
  if (!(target > 0 && Number.isFinite(target))) throw new Error(`samplesToMatch: target must be finite and > 0, got ${target}`);
  if (target >= errors[0]) return { n: sizes[0], extrapolated: false };
  for (let i = 1; i < m; i++) {
    if (errors[i] > target) continue;
    const [l0, l1] = [Math.log(errors[i - 1]), Math.log(errors[i])];
    const f = (Math.log(target) - l0) / (l1 - l0);
    return { n: Math.exp(Math.log(sizes[i - 1]) + f * (Math.log(sizes[i]) - Math.log(sizes[i - 1]))), extrapolated: false };
  }
  return { n: sizes[m - 1] * (errors[m - 1] / target) ** 2, extrapolated: true };
}
