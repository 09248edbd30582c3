/**
 * Mutual information in the information plane by binning (Shwartz-Ziv & Tishby 2017): each unit's
 * activation is discretised into equal bins over a fixed range, a layer's state T is the tuple of
 * bins, and for a deterministic network over a uniform finite input set I(X; T) = H(T) and
 * I(T; Y) = H(T) - H(T | Y). Saxe et al. (2018) show the estimate depends on the binning, which is
 * why the range is fixed per layer over the whole run.
 */

/** Entropy (bits) of the empirical distribution of keys. */
function entropy(keys: Iterable<string>): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const k of keys) { counts.set(k, (counts.get(k) ?? 0) + 1); n++; }
  let h = 0;
  for (const c of counts.values()) h -= (c / n) * Math.log2(c / n);
  return h;
}

/** Bin keys of n states of width d (row-major activations) into `bins` equal bins over [lo, hi]. */
export function binKeys(acts: ArrayLike<number>, d: number, bins: number, lo: number, hi: number): string[] {
  if (!(hi > lo && bins >= 1)) throw new Error(`binKeys: need hi > lo and bins >= 1, got [${lo}, ${hi}], ${bins}`);
  const n = acts.length / d;
  const w = (hi - lo) / bins;
  return Array.from({ length: n }, (_, i) => {
    const b: number[] = [];
    for (let j = 0; j < d; j++) b.push(Math.min(bins - 1, Math.max(0, Math.floor((acts[i * d + j] - lo) / w))));
    return b.join(',');
  });
}

/** I(X; T) and I(T; Y) in bits, for binned states T of equally likely distinct inputs X with labels Y. */
export function informationPlane(keys: string[], labels: ArrayLike<number>): { ixt: number; ity: number } {
  const hT = entropy(keys);
  const classes = [...new Set(Array.from(labels))];
  let hTgivenY = 0;
  for (const c of classes) {
    const idx = keys.filter((_, i) => labels[i] === c);
    hTgivenY += (idx.length / keys.length) * entropy(idx);
  }
  return { ixt: hT, ity: hT - hTgivenY };
}
