/**
 * Training f = g o h with the paper's denoising Jacobian nuclear-norm penalty:
 *   loss = mean ||f(x) - target||^2 + lambda R,
 *   R = mean over the batch of (||h(x + sigma e) - h(x)||^2 + ||g(z + sigma e') - g(z)||^2) / (2 sigma^2), z = h(x),
 * the denoising stand-in for (||J_h||_F^2 + ||J_g||_F^2) / 2 >= ||J_f||_* (equality when balanced), so no
 * Jacobian is formed. h and g are tanh MLPs in float64 with hand-written backpropagation (the nets are
 * tiny: plain loops beat a tensor engine's per-op cost), trained by Adam.
 */
import type { Rng } from '../../random/rng.js';
import { checkMlp64, type Layer64, type Mlp64 } from './mlp64.js';

/** Settings of `trainNuclear`: data, the widths of h and g, penalty weight `lambda`, noise scale `sigma`, and Adam's steps, batch size and rate. */
export interface NuclearTrainOptions {
  /** inputs, n x d row-major */
  x: Float64Array;
  /** targets, n x out row-major (the inputs for an autoencoder) */
  y: Float64Array;
  n: number;
  /** widths of h from input to code, e.g. [10, 32, 10], and of g from the code to the target */
  hSizes: number[];
  gSizes: number[];
  lambda: number;
  sigma: number;
  steps: number;
  batch: number;
  lr: number;
  rng: Rng;
}

interface Cache { acts: Float64Array[] }

/** Forward pass keeping every layer's output (acts[0] = input). */
function run(net: Mlp64, x: Float64Array): Cache {
  const acts = [x];
  net.forEach((l, li) => {
    const prev = acts[li];
    const y = Float64Array.from(l.bias);
    for (let i = 0; i < l.fanIn; i++) { const v = prev[i]; for (let j = 0; j < l.fanOut; j++) y[j] += v * l.kernel[i * l.fanOut + j]; }
    if (li < net.length - 1) for (let j = 0; j < l.fanOut; j++) y[j] = Math.tanh(y[j]);
    acts.push(y);
  });
  return { acts };
}

/** Backpropagate dOut through a cached pass: adds to the parameter gradients, returns d input. */
function back(net: Mlp64, c: Cache, dOut: Float64Array, grads: Layer64[]): Float64Array {
  let d = dOut;
  for (let li = net.length - 1; li >= 0; li--) {
    const l = net[li], gl = grads[li], input = c.acts[li];
    if (li < net.length - 1) { const a = c.acts[li + 1]; d = d.map((v, j) => v * (1 - a[j] * a[j])); }
    const dIn = new Float64Array(l.fanIn);
    for (let i = 0; i < l.fanIn; i++) {
      let s = 0;
      for (let j = 0; j < l.fanOut; j++) { gl.kernel[i * l.fanOut + j] += input[i] * d[j]; s += l.kernel[i * l.fanOut + j] * d[j]; }
      dIn[i] = s;
    }
    for (let j = 0; j < l.fanOut; j++) gl.bias[j] += d[j];
    d = dIn;
  }
  return d;
}

function init(sizes: number[], rng: Rng): Mlp64 {
  return sizes.slice(1).map((fanOut, l) => {
    const fanIn = sizes[l];
    const std = Math.sqrt(2 / (fanIn + fanOut));
    return { fanIn, fanOut, kernel: Float64Array.from({ length: fanIn * fanOut }, () => std * rng.normal()), bias: new Float64Array(fanOut) };
  });
}

const zerosLike = (net: Mlp64): Mlp64 => net.map((l) => ({ ...l, kernel: new Float64Array(l.kernel.length), bias: new Float64Array(l.bias.length) }));

/** Adam over all arrays of the nets (beta 0.9 / 0.999). */
function adamStep(params: Float64Array[], grads: Float64Array[], m: Float64Array[], v: Float64Array[], lr: number, t: number): void {
  const c1 = 1 - 0.9 ** t, c2 = 1 - 0.999 ** t;
  params.forEach((p, k) => {
    const g = grads[k], mk = m[k], vk = v[k];
    for (let i = 0; i < p.length; i++) {
      mk[i] = 0.9 * mk[i] + 0.1 * g[i];
      vk[i] = 0.999 * vk[i] + 0.001 * g[i] * g[i];
      p[i] -= (lr * mk[i] / c1) / (Math.sqrt(vk[i] / c2) + 1e-8);
    }
  });
}

const flat = (net: Mlp64) => net.flatMap((l) => [l.kernel, l.bias]);

/**
 * The batch loss mean ||g(h(x)) - y||^2 (+ lambda R with the given standard-normal directions eh, eg per
 * example) and its gradients with respect to every parameter of h and g.
 */
export function nuclearLossGrad(h: Mlp64, g: Mlp64, xs: Float64Array[], ys: Float64Array[], pen?: { eh: Float64Array[]; eg: Float64Array[]; lambda: number; sigma: number }): { loss: number; gh: Mlp64; gg: Mlp64 } {
  const gh = zerosLike(h), gg = zerosLike(g);
  const B = xs.length;
  const c = pen ? pen.lambda / (2 * pen.sigma * pen.sigma) : 0;
  let loss = 0;
  xs.forEach((x, b) => {
    const y = ys[b];
    const ch = run(h, x), z = ch.acts[ch.acts.length - 1];
    const cg = run(g, z), f = cg.acts[cg.acts.length - 1];
    const dF = f.map((fv, j) => (2 * (fv - y[j])) / B);
    loss += f.reduce((s, fv, j) => s + (fv - y[j]) ** 2, 0) / B;
    let dZ = new Float64Array(z.length);
    if (pen) {
      const xe = Float64Array.from(x, (xv, j) => xv + pen.sigma * pen.eh[b][j]);
      const ch2 = run(h, xe), z2 = ch2.acts[ch2.acts.length - 1];
      const ze = Float64Array.from(z, (zv, j) => zv + pen.sigma * pen.eg[b][j]);
      const cg2 = run(g, ze), f2 = cg2.acts[cg2.acts.length - 1];
      loss += (c / B) * (z2.reduce((s, v2, j) => s + (v2 - z[j]) ** 2, 0) + f2.reduce((s, v2, j) => s + (v2 - f[j]) ** 2, 0));
      const dH = z2.map((v2, j) => (2 * c * (v2 - z[j])) / B);
      const dG = f2.map((v2, j) => (2 * c * (v2 - f[j])) / B);
      back(h, ch2, dH, gh);
      const dZe = back(g, cg2, dG, gg);
      dZ = Float64Array.from(dZe, (v2, j) => v2 - dH[j]);
      for (let j = 0; j < dF.length; j++) dF[j] -= dG[j];
    }
    const dZf = back(g, cg, dF, gg);
    back(h, ch, Float64Array.from(dZf, (v2, j) => v2 + dZ[j]), gh);
  });
  return { loss, gh, gg };
}

/** Trains f = g o h by Adam on the penalised loss; returns both nets and the last step's minibatch loss (penalty included). */
export function trainNuclear(o: NuclearTrainOptions): { h: Mlp64; g: Mlp64; finalLoss: number } {
  const d = o.hSizes[0], out = o.gSizes[o.gSizes.length - 1], code = o.hSizes[o.hSizes.length - 1];
  if (o.gSizes[0] !== code) throw new Error(`trainNuclear: gSizes must start at h's code width ${code}, got [${o.gSizes}]`);
  if (o.x.length !== o.n * d || o.y.length !== o.n * out) throw new Error(`trainNuclear: x needs n x ${d} and y n x ${out} entries, got ${o.x.length} and ${o.y.length} for n = ${o.n}`);
  if (!(o.lambda >= 0 && o.sigma > 0 && o.steps >= 1 && o.batch >= 1 && o.lr > 0)) throw new Error('trainNuclear: needs lambda >= 0, sigma > 0, steps >= 1, batch >= 1, lr > 0');
  const h = init(o.hSizes, o.rng.fork('h init')), g = init(o.gSizes, o.rng.fork('g init'));
  checkMlp64('trainNuclear', h); checkMlp64('trainNuclear', g);
  const params = [...flat(h), ...flat(g)];
  const m = params.map((p) => new Float64Array(p.length)), v = params.map((p) => new Float64Array(p.length));
  const batches = o.rng.fork('batches'), noise = o.rng.fork('noise');
  let finalLoss = NaN;
  for (let step = 1; step <= o.steps; step++) {
    const idx = Array.from({ length: o.batch }, () => batches.int(o.n));
    const rows = (a: Float64Array, w: number) => idx.map((i) => a.subarray(i * w, (i + 1) * w));
    const eh = idx.map(() => Float64Array.from({ length: d }, () => noise.normal()));
    const eg = idx.map(() => Float64Array.from({ length: code }, () => noise.normal()));
    const r = nuclearLossGrad(h, g, rows(o.x, d), rows(o.y, out), o.lambda > 0 ? { eh, eg, lambda: o.lambda, sigma: o.sigma } : undefined);
    adamStep(params, [...flat(r.gh), ...flat(r.gg)], m, v, o.lr, step);
    if (step === o.steps) finalLoss = r.loss;
  }
  return { h, g, finalLoss };
}
