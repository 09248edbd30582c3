/** The mean over coordinates of each coordinate's variance (1/n), of n points of dimension d (row-major). */
export function meanCoordinateVariance(x: ArrayLike<number>, d: number): number {
  const n = x.length / d;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(d) && d >= 1)) throw new Error(`meanCoordinateVariance: x has ${x.length} values, not n >= 1 points of dimension ${d}`);
  let total = 0;
  for (let j = 0; j < d; j++) {
    let [s, ss] = [0, 0];
    for (let i = 0; i < n; i++) [s, ss] = [s + x[i * d + j], ss + x[i * d + j] ** 2];
    total += ss / n - (s / n) ** 2;
  }
  return total / d;
}
