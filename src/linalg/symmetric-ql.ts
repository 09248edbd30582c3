/** Eigenvalues of larger symmetric matrices, where cyclic Jacobi (./eigen.ts) is too slow. */

/**
 * All eigenvalues (ascending) of a symmetric n x n matrix (row-major; only its lower triangle is read):
 * Householder reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts
 * (the EISPACK tred2/tql2 pair as ported in JAMA, without eigenvectors). O(n^3), about a second at
 * n = 800, where cyclic Jacobi (src/linalg) takes tens of seconds.
 */
export function householderQlEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`householderQlEigenvalues: n must be a positive integer, got ${n}`);
  if (a.length !== n * n) throw new Error(`householderQlEigenvalues: matrix has ${a.length} entries, expected ${n} x ${n}`);
  // v holds JAMA's V transposed (v[j * n + k] = V[k][j]) so that the inner loops run over contiguous memory;
  // V starts as the matrix, which is symmetric, so v starts as a copy of it
  const v = Float64Array.from(a as ArrayLike<number>);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) v[j * n + i] = v[i * n + j]; // symmetrise from the lower triangle
  const d = new Float64Array(n), e = new Float64Array(n);
  for (let j = 0; j < n; j++) d[j] = v[j * n + n - 1];
  // Householder reduction to tridiagonal form (tred2)
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[j * n + i - 1];
        v[j * n + i] = 0;
        v[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[i * n + j] = f;
        const cj = j * n;
        g = e[j] + v[cj + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[cj + k] * d[k];
          e[k] += v[cj + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const cj = j * n;
        for (let k = j; k <= i - 1; k++) v[cj + k] -= f * e[k] + g * d[k];
        d[j] = v[cj + i - 1];
        v[cj + i] = 0;
      }
    }
    d[i] = h;
  }
  // the tridiagonal's diagonal is V's diagonal now (JAMA reads it while accumulating the transformations)
  for (let j = 0; j < n; j++) d[j] = v[j * n + j];
  e[0] = 0;
  // implicit QL on the tridiagonal (tql2 without eigenvectors)
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 200) throw new Error('householderQlEigenvalues: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  return d.sort();
}
