/**
 * Marchenko-Pastur law: the limiting spectrum of X^T X / n for an n x d matrix of iid N(0, 1)
 * entries with d / n -> gamma. Continuous part on [(1 - sqrt g)^2, (1 + sqrt g)^2] with density
 * sqrt((b - x)(x - a)) / (2 pi gamma x); for gamma > 1 an atom of mass 1 - 1/gamma at 0.
 * Integrals are computed with x = (1 + gamma) + 2 sqrt(gamma) cos(theta), which removes the square-root
 * endpoints, and the midpoint rule in theta (spectrally accurate for smooth f).
 */

/** E f(mu) over the Marchenko-Pastur law with ratio gamma; `atZero` is f(0), needed when gamma > 1. */
export function mpExpectation(f: (mu: number) => number, gamma: number, opts: { points?: number; atZero?: number } = {}): number {
  if (!(gamma > 0)) throw new Error(`mpExpectation: gamma must be > 0, got ${gamma}`);
  const points = opts.points ?? 2000;
  if (!(Number.isInteger(points) && points >= 8)) throw new Error(`mpExpectation: points must be an integer >= 8, got ${points}`);
  const mid = 1 + gamma, half = 2 * Math.sqrt(gamma);
  let s = 0;
  for (let k = 0; k < points; k++) {
    const th = (Math.PI * (k + 0.5)) / points;
    const sn = Math.sin(th);
    const x = mid + half * Math.cos(th);
    s += (f(x) * half * half * sn * sn) / (2 * Math.PI * gamma * x);
  }
  s *= Math.PI / points;
  if (gamma > 1) {
    if (opts.atZero === undefined) throw new Error('mpExpectation: gamma > 1 puts mass at 0; pass atZero = f(0)');
    s += (1 - 1 / gamma) * opts.atZero;
  }
  return s;
}
