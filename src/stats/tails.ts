/** Tail-index estimation: how heavy the upper tail of a positive sample is. */

/**
 * Hill's estimator of the tail index alpha (P(X > x) ~ x^-alpha) from the k largest values:
 * k / sum_{i<k} ln(X_(i) / X_(k)). alpha <= 2 means infinite variance.
 */
export function hillTailIndex(values: ArrayLike<number>, k: number): number {
  const x = Float64Array.from(values).filter((v) => v > 0).sort().reverse();
  if (!(k >= 1 && k < x.length)) throw new Error(`hillTailIndex: k must be in [1, ${x.length - 1}] for ${x.length} positive values, got ${k}`);
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log(x[i] / x[k]);
  return k / s;
}
