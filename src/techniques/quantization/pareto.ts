/**
 * HAWQ-V2's choice of bit-widths under a model-size budget (Dong et al. 2020). Each layer i of n_i
 * weights gets a bit-width b_i; the model size of an assignment is sum_i b_i n_i bits and its
 * sensitivity is
 *
 *   Omega(b) = sum_i avgTrace_i ||Q_{b_i}(W_i) - W_i||^2,
 *
 * the layer's average Hessian trace (trace / n_i) weighted by the squared perturbation its bit-width
 * causes. Every assignment is a point (size, Omega); the Pareto frontier holds those that no other
 * assignment beats on both, and at a budget HAWQ-V2 takes the frontier point of least Omega that fits.
 * With a handful of layers and bit-widths all assignments are enumerated (choices^layers of them).
 */

/** One assignment of bit-widths to layers, its model size in bits and its sensitivity Omega. */
export interface BitAssignment {
  /** bit-width of each layer */
  bits: number[];
  /** model size of the quantized layers, sum_i bits_i n_i (bits) */
  size: number;
  /** HAWQ-V2's sensitivity, sum_i avgTrace_i ||Q_{bits_i}(W_i) - W_i||^2 */
  omega: number;
}

/** Every assignment of the bit-widths `choices` to `layers` layers (choices^layers of them), the first layer varying slowest. */
export function bitAssignments(layers: number, choices: readonly number[]): number[][] {
  if (!(layers >= 1) || !choices.length) throw new Error(`bitAssignments: needs layers >= 1 and a bit-width, got ${layers} layers, ${choices.length} bit-widths`);
  let out: number[][] = [[]];
  for (let l = 0; l < layers; l++) out = out.flatMap((a) => choices.map((b) => [...a, b]));
  return out;
}

/** Model size in bits of the layers of `sizes` weights at bit-widths `bits`: sum_i bits_i sizes_i. */
export function modelSizeBits(bits: readonly number[], sizes: readonly number[]): number {
  if (bits.length !== sizes.length) throw new Error(`modelSizeBits: ${bits.length} bit-widths for ${sizes.length} layers`);
  return bits.reduce((s, b, i) => s + b * sizes[i], 0);
}

/**
 * HAWQ-V2's Omega of the assignment `bits`: sum_i avgTrace[i] * perturbation(i, bits[i]), where
 * `perturbation(i, b)` is ||Q_b(W_i) - W_i||^2.
 */
export function hawqOmega(bits: readonly number[], avgTrace: readonly number[], perturbation: (layer: number, bits: number) => number): number {
  if (bits.length !== avgTrace.length) throw new Error(`hawqOmega: ${bits.length} bit-widths for ${avgTrace.length} layers`);
  return bits.reduce((s, b, i) => s + avgTrace[i] * perturbation(i, b), 0);
}

/**
 * Every assignment of `choices` to the layers of `sizes` weights with its size and Omega (the
 * squared perturbations are computed once per layer and bit-width).
 */
export function scoreAssignments(sizes: readonly number[], choices: readonly number[], avgTrace: readonly number[], perturbation: (layer: number, bits: number) => number): BitAssignment[] {
  if (sizes.length !== avgTrace.length) throw new Error(`scoreAssignments: ${sizes.length} layer sizes for ${avgTrace.length} traces`);
  const table = sizes.map((_, i) => new Map(choices.map((b) => [b, perturbation(i, b)])));
  return bitAssignments(sizes.length, choices).map((bits) => ({ bits, size: modelSizeBits(bits, sizes), omega: hawqOmega(bits, avgTrace, (i, b) => table[i].get(b)!) }));
}

/**
 * The Pareto frontier of (size, Omega), both minimised: the points no other point matches or beats on
 * both with a strict gain on one. Returned by increasing size (and so decreasing Omega); of points
 * equal on both, the first in input order is kept.
 */
export function paretoFrontier(points: readonly BitAssignment[]): BitAssignment[] {
  const order = points.map((q, i) => [q, i] as const).sort((a, b) => a[0].size - b[0].size || a[0].omega - b[0].omega || a[1] - b[1]);
  const out: BitAssignment[] = [];
  let best = Infinity;
  for (const [q] of order) if (q.omega < best) { out.push(q); best = q.omega; }
  return out;
}

/**
 * HAWQ-V2's choice at a budget: the assignment of least Omega among those of size <= `budget` (a point
 * of the Pareto frontier; ties go to the smaller model, then input order).
 */
export function paretoChoice(points: readonly BitAssignment[], budget: number): BitAssignment {
  const fits = paretoFrontier(points).filter((q) => q.size <= budget);
  if (!fits.length) throw new Error(`paretoChoice: no assignment fits the budget of ${budget} bits`);
  return fits.at(-1)!;
}

/**
 * The assignment HAWQ-V2's measure ranks worst among those no smaller than `minSize` and within
 * `budget`: the most Omega with minSize <= size <= budget (ties: the larger model, then input order).
 * The "reverse" comparison for a choice of size `minSize`: it spends at least as many bits.
 */
export function worstWithin(points: readonly BitAssignment[], minSize: number, budget: number): BitAssignment {
  let worst: BitAssignment | null = null;
  for (const q of points) {
    if (q.size < minSize || q.size > budget) continue;
    if (!worst || q.omega > worst.omega || (q.omega === worst.omega && q.size > worst.size)) worst = q;
  }
  if (!worst) throw new Error(`worstWithin: no assignment with size in [${minSize}, ${budget}]`);
  return worst;
}

/**
 * The choice of least Omega at the size of another: among the assignments within `budget` whose size
 * is within a relative `tolerance` of `target` (|size - target| <= tolerance * target), the one of least
 * Omega (ties: the smaller model, then input order). With `points` scored by shuffled traces and
 * `target` the size of HAWQ-V2's choice, this is the same Pareto procedure at the same model size,
 * blind to which layer the traces belong to: the control that isolates the traces' ranking.
 */
export function choiceNearSize(points: readonly BitAssignment[], budget: number, target: number, tolerance: number): BitAssignment {
  if (!(tolerance >= 0)) throw new Error(`choiceNearSize: tolerance must be >= 0, got ${tolerance}`);
  let best: BitAssignment | null = null;
  for (const q of points) {
    if (q.size > budget || Math.abs(q.size - target) > tolerance * target) continue;
    if (!best || q.omega < best.omega || (q.omega === best.omega && q.size < best.size)) best = q;
  }
  if (!best) throw new Error(`choiceNearSize: no assignment within ${budget} bits and ${tolerance} of ${target} bits`);
  return best;
}

/** Every permutation of 0 .. n-1 (n! of them), in lexicographic order: the identity first. */
export function permutations(n: number): number[][] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`permutations: n must be an integer >= 0, got ${n}`);
  const out: number[][] = [];
  const rec = (prefix: number[], rest: number[]) => {
    if (!rest.length) { out.push(prefix); return; }
    rest.forEach((v, i) => rec([...prefix, v], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  rec([], Array.from({ length: n }, (_, i) => i));
  return out;
}

/** Whether an assignment gives every layer the same bit-width (uniform precision; otherwise it is mixed). */
export function isUniform(bits: readonly number[]): boolean {
  return bits.every((b) => b === bits[0]);
}
