/**
 * A float64 copy of a small tanh MLP (hidden layers tanh, output linear; kernels fanIn x fanOut,
 * row-major, as src/models/mlp.ts stores them) with its exact input Jacobian, and the denoising
 * estimate of ||J||_F^2 that the paper substitutes for it:
 *   ||J(x)||_F^2 ~ E_eps ||f(x + sigma eps) - f(x)||^2 / sigma^2,  eps ~ N(0, I),
 * since f(x + sigma eps) - f(x) = sigma J eps + O(sigma^2) and E||J eps||^2 = ||J||_F^2.
 */
export interface Layer64 {
  kernel: Float64Array;
  bias: Float64Array;
  fanIn: number;
  fanOut: number;
}

/** A float64 MLP as its layers, input to output (hidden layers tanh, the last linear). */
export type Mlp64 = Layer64[];

/** Throws (naming `fn`) unless the net has layers whose kernel, bias and widths agree. */
export function checkMlp64(fn: string, net: Mlp64): void {
  if (!net.length) throw new Error(`${fn}: net has no layers`);
  net.forEach((l, i) => {
    if (l.kernel.length !== l.fanIn * l.fanOut || l.bias.length !== l.fanOut) throw new Error(`${fn}: layer ${i} has kernel ${l.kernel.length} / bias ${l.bias.length} entries for ${l.fanIn} x ${l.fanOut}`);
    if (i > 0 && net[i - 1].fanOut !== l.fanIn) throw new Error(`${fn}: layer ${i} takes ${l.fanIn} inputs but layer ${i - 1} gives ${net[i - 1].fanOut}`);
  });
}

/** Random tanh MLP with Glorot-normal kernels and small random biases. */
export function randomMlp64(sizes: number[], normal: () => number, biasStd = 0.1): Mlp64 {
  if (sizes.length < 2 || sizes.some((s) => !(Number.isInteger(s) && s > 0))) throw new Error(`randomMlp64: sizes must be >= 2 positive integers, got [${sizes}]`);
  return sizes.slice(1).map((fanOut, l) => {
    const fanIn = sizes[l];
    const std = Math.sqrt(2 / (fanIn + fanOut));
    return { fanIn, fanOut, kernel: Float64Array.from({ length: fanIn * fanOut }, () => std * normal()), bias: Float64Array.from({ length: fanOut }, () => biasStd * normal()) };
  });
}

function layerOut(l: Layer64, x: ArrayLike<number>, hidden: boolean): Float64Array {
  const y = Float64Array.from(l.bias);
  for (let i = 0; i < l.fanIn; i++) {
    const xi = x[i];
    for (let j = 0; j < l.fanOut; j++) y[j] += xi * l.kernel[i * l.fanOut + j];
  }
  if (hidden) for (let j = 0; j < l.fanOut; j++) y[j] = Math.tanh(y[j]);
  return y;
}

/** The network's output at one input x (length fanIn of the first layer). */
export function forward64(net: Mlp64, x: ArrayLike<number>): Float64Array {
  if (x.length !== net[0].fanIn) throw new Error(`forward64: x has ${x.length} entries, the net takes ${net[0].fanIn}`);
  let h: Float64Array = Float64Array.from(x);
  net.forEach((l, i) => { h = layerOut(l, h, i < net.length - 1); });
  return h;
}

/** The exact Jacobian d out / d in at x, out x in, row-major (forward mode through the layers). */
export function jacobian64(net: Mlp64, x: ArrayLike<number>): Float64Array {
  const d = net[0].fanIn;
  if (x.length !== d) throw new Error(`jacobian64: x has ${x.length} entries, the net takes ${d}`);
  let h: Float64Array = Float64Array.from(x);
  // t: d x width, the Jacobian transposed (rows: input coordinates)
  let t: Float64Array = new Float64Array(d * d);
  for (let i = 0; i < d; i++) t[i * d + i] = 1;
  let width = d;
  net.forEach((l, li) => {
    const hidden = li < net.length - 1;
    h = layerOut(l, h, hidden);
    const next = new Float64Array(d * l.fanOut);
    for (let r = 0; r < d; r++) for (let i = 0; i < width; i++) {
      const v = t[r * width + i];
      if (v === 0) continue;
      for (let j = 0; j < l.fanOut; j++) next[r * l.fanOut + j] += v * l.kernel[i * l.fanOut + j];
    }
    if (hidden) for (let r = 0; r < d; r++) for (let j = 0; j < l.fanOut; j++) next[r * l.fanOut + j] *= 1 - h[j] * h[j];
    t = next;
    width = l.fanOut;
  });
  const out = new Float64Array(width * d);
  for (let r = 0; r < d; r++) for (let j = 0; j < width; j++) out[j * d + r] = t[r * width + j];
  return out;
}

/** The composition g o h as one net (the layers concatenated): h's output layer must be linear, as it is. */
export function compose64(g: Mlp64, h: Mlp64): (x: ArrayLike<number>) => Float64Array {
  return (x) => forward64(g, forward64(h, x));
}

/**
 * The denoising estimate of ||J_f(x)||_F^2: mean over the given directions eps_j (each of x's length) of
 * ||f(x + sigma eps_j) - f(x)||^2 / sigma^2. Also returns the Hutchinson value mean ||J eps_j||^2 for the
 * same directions when J is given, so that the sigma-bias can be read apart from the sampling noise.
 */
export function denoisingFrobeniusSq(f: (x: ArrayLike<number>) => Float64Array, x: ArrayLike<number>, sigma: number, eps: Float64Array[], jac?: { j: Float64Array; rows: number }): { estimate: number; hutchinson: number } {
  if (!(sigma > 0)) throw new Error(`denoisingFrobeniusSq: sigma must be > 0, got ${sigma}`);
  if (!eps.length || eps.some((e) => e.length !== x.length)) throw new Error(`denoisingFrobeniusSq: eps needs >= 1 direction of length ${x.length}`);
  const fx = f(x);
  let est = 0, hut = 0;
  for (const e of eps) {
    const fy = f(Float64Array.from(x, (v, i) => v + sigma * e[i]));
    for (let i = 0; i < fx.length; i++) est += ((fy[i] - fx[i]) / sigma) ** 2;
    if (jac) {
      const cols = x.length;
      for (let r = 0; r < jac.rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += jac.j[r * cols + c] * e[c];
        hut += s * s;
      }
    }
  }
  return { estimate: est / eps.length, hutchinson: jac ? hut / eps.length : NaN };
}
