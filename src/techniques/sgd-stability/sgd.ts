/** Linear SGD at an interpolating least-squares minimum with Bernoulli batches (each example kept with probability B/n, H_S = (1/B) sum_{i in S} x_i x_i^T). */
import type { Rng } from '../../random/rng.js';
import type { RankOneProblem } from './second-moment.js';

/** One step w <- w - (eta / B) sum_{i in S} x_i (x_i . w), in place; returns the number of examples drawn. */
export function bernoulliSgdStep(p: RankOneProblem, eta: number, batch: number, w: Float64Array, rng: Rng): number {
  const n = p.features.length;
  if (!Number.isInteger(batch) || batch < 1 || batch > n) throw new Error(`bernoulliSgdStep: batch must be an integer in [1, ${n}], got ${batch}`);
  if (!(eta > 0) || !Number.isFinite(eta)) throw new Error(`bernoulliSgdStep: eta must be a finite number > 0, got ${eta}`);
  const keep = batch / n, d = w.length;
  if (d !== p.features[0].length) throw new Error(`bernoulliSgdStep: w must have the features' length ${p.features[0].length}, got ${d}`);
  const g = new Float64Array(d);
  let drawn = 0;
  for (const x of p.features) {
    if (keep < 1 && rng.uniform() >= keep) continue;
    drawn++;
    let r = 0;
    for (let k = 0; k < d; k++) r += x[k] * w[k];
    for (let k = 0; k < d; k++) g[k] += x[k] * r;
  }
  for (let k = 0; k < d; k++) w[k] -= (eta / batch) * g[k];
  return drawn;
}
