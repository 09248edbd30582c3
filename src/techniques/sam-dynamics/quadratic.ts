/**
 * 2-D quadratics f(x) = 1/2 x^T H x with H symmetric, stored row-major as [h11, h12, h21, h22]: the
 * smallest setting in which a saddle (one eigenvalue of each sign) and its attraction under (U)SAM are
 * exact. Symmetric 2x2 eigendecompositions are closed form.
 */
export type Mat2 = [number, number, number, number];

/** Eigendecomposition of a symmetric 2x2 matrix. */
export interface Eigen2 {
  /** eigenvalues, ascending */
  values: [number, number];
  /** unit eigenvectors (columns) matching `values` */
  vectors: [[number, number], [number, number]];
}

/** Throws (naming `fn` and `name`) unless m is 4 finite numbers, a row-major 2x2 matrix. */
function assertMat2(fn: string, name: string, m: readonly number[]): void {
  if (m.length !== 4 || m.some((v) => !Number.isFinite(v))) throw new Error(`${fn}: ${name} must be 4 finite numbers (a 2x2 matrix, row-major), got [${m.join(', ')}]`);
}

/** Eigen-decomposition of a symmetric 2x2 matrix. */
export function eigSym2(m: Mat2): Eigen2 {
  assertMat2('eigSym2', 'm', m);
  if (Math.abs(m[1] - m[2]) > 1e-12 * (1 + Math.abs(m[1]))) throw new Error(`eigSym2: m must be symmetric, got off-diagonal ${m[1]} and ${m[2]}`);
  const [a, b, , d] = m;
  const mid = (a + d) / 2;
  const r = Math.hypot((a - d) / 2, b);
  const theta = 0.5 * Math.atan2(2 * b, a - d); // angle of the larger eigenvalue's eigenvector
  const big: [number, number] = [Math.cos(theta), Math.sin(theta)];
  const small: [number, number] = [-Math.sin(theta), Math.cos(theta)];
  return { values: [mid - r, mid + r], vectors: [small, big] };
}

/** Q diag(l1, l2) Q^T with Q the rotation by `angle`. */
export function fromEigen(l1: number, l2: number, angle: number): Mat2 {
  if (![l1, l2, angle].every(Number.isFinite)) throw new Error(`fromEigen: eigenvalues and angle must be finite, got ${l1}, ${l2}, ${angle}`);
  const c = Math.cos(angle), s = Math.sin(angle);
  const off = (l1 - l2) * c * s;
  return [l1 * c * c + l2 * s * s, off, off, l1 * s * s + l2 * c * c];
}

/** The product m x of a 2x2 matrix and a 2-vector. */
export const matVec2 = (m: Mat2, x: ArrayLike<number>): [number, number] => [m[0] * x[0] + m[1] * x[1], m[2] * x[0] + m[3] * x[1]];
/** The matrix product a b. */
export const matMul2 = (a: Mat2, b: Mat2): Mat2 => [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]];
/** The transpose a^T. */
export const transpose2 = (a: Mat2): Mat2 => [a[0], a[2], a[1], a[3]];
/** a + s b (s defaults to 1). */
export const add2 = (a: Mat2, b: Mat2, s = 1): Mat2 => [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2], a[3] + s * b[3]];
/** s a. */
export const scale2 = (a: Mat2, s: number): Mat2 => [s * a[0], s * a[1], s * a[2], s * a[3]];
/** The 2x2 identity matrix. */
export const IDENTITY2: Mat2 = [1, 0, 0, 1];

/** Eigenvalues of a general (real) 2x2 matrix, ascending by real part; throws if they are complex. */
export function eigReal2(m: Mat2): [number, number] {
  assertMat2('eigReal2', 'm', m);
  const tr = m[0] + m[3], det = m[0] * m[3] - m[1] * m[2];
  const disc = tr * tr / 4 - det;
  if (disc < -1e-12 * (1 + tr * tr)) throw new Error(`eigReal2: eigenvalues are complex (discriminant ${disc})`);
  const r = Math.sqrt(Math.max(0, disc));
  return [tr / 2 - r, tr / 2 + r];
}

export { assertMat2 };
