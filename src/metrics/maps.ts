/** Metrics on 2-D maps (saliency, attribution). */

/**
 * Anisotropic total variation of an h x w map: sum of absolute differences between horizontal and
 * vertical neighbours. With `normalize`, the map is first divided by its l1 norm so maps of different
 * scale compare (a noisy map scores high, a smooth one low).
 */
export function totalVariation(map: ArrayLike<number>, h: number, w: number, normalize = true): number {
  if (map.length !== h * w) throw new Error(`totalVariation: map has ${map.length} values, expected ${h}x${w}`);
  let l1 = 0;
  for (let i = 0; i < map.length; i++) l1 += Math.abs(map[i]);
  const s = normalize ? (l1 > 0 ? 1 / l1 : 0) : 1;
  let tv = 0;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const v = map[r * w + c];
      if (c + 1 < w) tv += Math.abs(map[r * w + c + 1] - v);
      if (r + 1 < h) tv += Math.abs(map[(r + 1) * w + c] - v);
    }
  }
  return tv * s;
}

/** Ranks (1-based) with ties given their average rank. */
export function ranks(a: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: a.length }, (_, i) => i).sort((i, j) => a[i] - a[j]);
  const r = new Float64Array(a.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && a[idx[j + 1]] === a[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation of two equal-length sequences, in [-1, 1] (NaN when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`pearson: lengths ${a.length} and ${b.length} differ`);
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    sab += da * db; saa += da * da; sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Spearman rank correlation. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}
