/**
 * Post-training quantization of weights (HAWQ's setting): symmetric uniform per-tensor quantization to b
 * bits, and the Hessian-aware choice of bit-widths (HAWQ-V2): the layers' average Hessian trace ranks
 * their sensitivity, and the most sensitive layer keeps the most bits.
 */

/** Symmetric uniform quantization to `bits` (levels -(2^(b-1)-1) .. 2^(b-1)-1 times max|w| / (2^(b-1)-1)). */
export function quantizeSymmetric(w: ArrayLike<number>, bits: number): Float32Array {
  if (!Number.isInteger(bits) || bits < 2) throw new Error(`quantizeSymmetric: bits must be an integer >= 2, got ${bits}`);
  const levels = 2 ** (bits - 1) - 1;
  let max = 0;
  for (let i = 0; i < w.length; i++) max = Math.max(max, Math.abs(w[i]));
  const out = new Float32Array(w.length);
  if (max === 0) return out;
  const step = max / levels;
  for (let i = 0; i < w.length; i++) out[i] = Math.round(w[i] / step) * step + 0; // + 0 turns -0 into 0
  return out;
}

/**
 * Bit-widths for layers of equal size by rank: the layer with the highest sensitivity gets the most
 * bits. `bits` are the widths to hand out (one per layer). Ties keep layer order.
 */
export function allocateBySensitivity(sensitivity: readonly number[], bits: readonly number[]): number[] {
  if (sensitivity.length !== bits.length) throw new Error(`allocateBySensitivity: ${sensitivity.length} layers for ${bits.length} bit-widths`);
  const byBits = [...bits].sort((a, b) => b - a);
  const order = sensitivity.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
  const out = new Array<number>(bits.length);
  order.forEach((layer, rank) => { out[layer] = byBits[rank]; });
  return out;
}
