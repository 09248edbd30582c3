/**
 * G1. Certified l2 Attribution Robustness via Uniformly Smoothed Attributions (Wang & Kong 2024): averaging an
 * attribution map over noise uniform in an l2 ball of radius r gives a map h whose cosine similarity between
 * x and any x + delta, ||delta||_2 <= eps, is certifiably bounded below; attacks cannot push it lower.
 *
 * The certificate (derived in src/techniques/uniform-smoothing/certificate.ts): for maps bounded by
 * ||g|| <= M, ||h(x + delta) - h(x)|| <= 2M (1 - I_{1 - eps^2/4r^2}((D+1)/2, 1/2)) =: shift(eps), the volume of
 * the two lunes between the balls around x and x + delta; a vector within s of a makes a cosine of at least
 * sqrt(1 - s^2/||a||^2) with it. h is estimated by Monte Carlo, so the bound is made a statement about
 * measured maps: with n samples at x and n' fresh ones at x + delta, each mean lies within
 * M (1 + sqrt(2 ln(1/alpha))) / sqrt(n) of its expectation with probability >= 1 - alpha (McDiarmid), so
 * cos(estimate at x, estimate at x + delta) >= sqrt(1 - (shift + margin + margin')^2 / ||estimate at x||^2)
 * with probability >= 1 - 2 alpha for every delta chosen before the evaluation samples are drawn.
 *
 * Method: per seed, train a small ReLU CNN (strided 3x3 convolutions) on Fashion-MNIST. The attribution is the
 * saliency (input gradient of the predicted logit) scaled to unit norm, so M = 1 exactly. For held-out
 * images, certify h at each eps of a grid (fractions of r), then attack: PGD in the l2 ball (box [0, 1]),
 * several random restarts, minimising the cosine between h(x) and the smoothed map at x + delta, with fresh
 * ball noise at every step (expectation over transformation) and gradients through a softplus surrogate of
 * the network (ReLU saliency has zero input Hessian). The attacked map is then re-estimated with fresh
 * samples. The unit is the image: its restarts and eps share one estimate at x, so an image violates if any
 * of its non-vacuous (image, restart, eps) trials falls below its certificate; under the claim (union bound
 * over the estimate at x and the R E evaluation estimates) that happens with probability <= alpha (1 + R E).
 * Trials whose certificate is -1 cannot be violated and are left out; an image with none left is not counted.
 *
 * Premises: the certificate is not vacuous at the smallest eps, and the pipeline has power at the certified
 * eps. Power control: a synthetic unit map g(z) = a + b sign<z - x, e> (../techniques/uniform-smoothing/
 * control.ts) moves ||b|| times as far as the certificate's shift allows, perpendicular to h(x), and its exact
 * worst cosine is known; the same PGD + expectation-over-noise attack (through tanh in place of sign) and the
 * same fresh-sample evaluation must come within 0.1 of that worst cosine at every certified eps, and must
 * violate a deliberately wrong certificate (the shift divided by 4) for most control maps. At a larger eps
 * (r / 2, beyond the certified range) the attack must drive the unsmoothed map's cosine low and beat a random
 * perturbation of the same norm on the smoothed map; there the smoothed map's attacked cosine is compared with
 * the unsmoothed map's (the paper's "protects the attributions").
 */
import * as tf from '@tensorflow/tfjs';
import { take } from '../data/dataset.js';
import { barFigure, heatmapGrid, lineFigure, seedBar, type Figure } from '../figures/plotly.js';
import { Rng } from '../random/rng.js';
import { mean } from '../stats/bootstrap.js';
import { slope } from '../stats/regression.js';
import { Saliency } from '../techniques/attribution/attribution.js';
import {
  attackAttribution, ballIntersectionFraction, ballNoise, certifyCosine, certifyCosineExact, cosineLowerBound, disposeSignMaps, randomSignMaps, rowCosine,
  SignAttribution, signWorstCosine, stridedCnn, UniformSmoothing, UnitAttribution,
} from '../techniques/uniform-smoothing/index.js';
import { train } from '../train/loop.js';
import { adam } from '../train/transforms.js';
import { check, meanOf, paired, premise, proportion, verdict } from './kit/verdict.js';
import { evaluate, fmnistSplits, type FmnistSize } from './shared/fmnist.js';
import { defineClaim, type BaseParams, type ClaimResult } from './types.js';

export interface G1Params extends BaseParams, FmnistSize {
  channels: number[];
  epochs: number;
  batchSize: number;
  lr: number;
  /** test images certified and attacked per seed */
  images: number;
  /** sign maps of the power control per seed (same restarts, samples, steps and draws as the images) */
  controlMaps: number;
  /** random restarts of each attack */
  restarts: number;
  /** radius of the smoothing ball (l2, input range [0, 1]) */
  radius: number;
  /** certified perturbation sizes, as fractions of the radius */
  epsFractions: number[];
  /** the larger eps (fraction of the radius) at which the attack's strength is checked on the unsmoothed map */
  attackFraction: number;
  /** Monte Carlo samples of the smoothed map at x (certificate) and at x + delta (evaluation) */
  samples: number;
  evalSamples: number;
  /** PGD steps, and noise draws per step for the smoothed map */
  steps: number;
  eotSamples: number;
  /** softplus beta of the surrogate the attack differentiates */
  beta: number;
  /** points per eps for the Monte Carlo check of the lune volume in D = 784 */
  volumePoints: number;
}

const H = 28;
const DIM = H * H;
/** failure probability of each Monte Carlo estimate; an image (R restarts x E eps) may violate with probability <= ALPHA (1 + R E) */
const ALPHA = 0.005;
/** the certificate is useful (not vacuous) at the smallest eps if its mean is at least this */
const NON_VACUOUS = 0.5;
/** the attack is strong if it takes the unsmoothed map's cosine to at most this at the attack eps */
const LOW_COSINE = 0.6;
/** smallest gain in attacked cosine, smoothed - unsmoothed, that counts as protection */
const PROTECTION = 0.1;
/** power control: ||a|| of the sign map (||b|| = 0.87 then), how close the attack must come to its exact worst cosine,
 * the factor by which the wrong certificate shrinks the shift, and the share of control maps that must violate it */
const CONTROL_NORM = 0.5;
const CONTROL_REACH = 0.1;
const WRONG_FACTOR = 4;
const CONTROL_DETECTS = 0.8;

export interface G1Seed {
  rows: ClaimResult['rows'];
  testAcc: number;
  /** ||h estimate at x|| per image */
  norms: number[];
  /** per eps: certified cosine per image, and the attacked cosine per (image, restart) */
  certified: number[][];
  attacked: number[][];
  /** images with a violation of the certificate (any non-vacuous restart x eps), and images with a non-vacuous trial */
  violations: number;
  counted: number;
  /** images with a violation of the paper's form ||h|| / sqrt(||h||^2 + s^2) of the certificate (same radius s) */
  paperViolations: number;
  /** per eps: lowest attacked cosine - its certificate over trials */
  slack: number[];
  /** at the attack eps (means over images of the worst restart): unsmoothed attacked, unsmoothed random, smoothed attacked */
  plainAttacked: number;
  plainRandom: number;
  smoothAttacked: number;
  /** smoothed map at the attack eps after a random perturbation of the same norm (worst restart, mean over images) */
  smoothRandom: number;
  /** power control per eps: attacked cosine of the sign map (worst restart, mean over maps) and its exact worst */
  controlAttacked: number[];
  controlWorst: number[];
  /** control (map, eps) pairs violating the wrong certificate (shift / WRONG_FACTOR, no margins), of controlPairs */
  controlWrong: number;
  controlPairs: number;
  /** control maps violating the real certificate (with margins) at any eps: the certificate on a nearly tight map */
  controlViolations: number;
  /** largest |Monte Carlo lune fraction - formula| in D = 784 over eps, and its standard error */
  volumeError: number;
  volumeSe: number;
  /** certificates that rise with eps (count; must be 0) */
  nonMonotone: number;
  /** first image: input, unsmoothed map at x and attacked, smoothed map at x and attacked (attack eps) */
  examples: number[][];
}

/** Each image repeated `k` times along the batch: [k*b, ...], image-major (image i's copies are rows i*k .. i*k+k-1). */
function repeatRows(x: tf.Tensor, k: number): tf.Tensor {
  return tf.tidy(() => x.expandDims(1).tile([1, k, ...x.shape.slice(1).map(() => 1)]).reshape([x.shape[0] * k, ...x.shape.slice(1)]));
}
const repeatTargets = (t: Int32Array, k: number) => Int32Array.from({ length: t.length * k }, (_, i) => t[Math.floor(i / k)]);

function worstPerImage(values: ArrayLike<number>, restarts: number): number[] {
  return Array.from({ length: values.length / restarts }, (_, i) => Math.min(...Array.from(values).slice(i * restarts, (i + 1) * restarts)));
}

/** Monte Carlo fraction of B(0, r) outside B(eps e, r) in R^DIM, against 1 - the formula. */
function luneCheck(p: G1Params, rng: Rng): { error: number; se: number } {
  let error = 0, se = 0;
  p.epsFractions.forEach((f, i) => {
    const eps = f * p.radius;
    const pts = ballNoise(rng.fork(`lune-${i}`), p.volumePoints, [DIM], p.radius);
    // ||z - eps e1||^2 > r^2  <=>  ||z||^2 - 2 eps z1 + eps^2 > r^2
    const outside = tf.tidy(() => {
      const sq = pts.square().sum(1);
      const z1 = pts.slice([0, 0], [-1, 1]).reshape([-1]);
      return sq.sub(z1.mul(2 * eps)).add(eps * eps).greater(p.radius * p.radius).sum().dataSync()[0];
    });
    pts.dispose();
    const q = 1 - ballIntersectionFraction(eps, p.radius, DIM);
    error = Math.max(error, Math.abs(outside / p.volumePoints - q));
    se = Math.max(se, Math.sqrt((q * (1 - q)) / p.volumePoints));
  });
  return { error, se };
}

/**
 * The power control at the certified eps: `images` random sign maps (control.ts) centred on a grey image (the
 * box [0, 1] never binds there), certified, attacked and re-evaluated exactly as the network's maps (same
 * sample sizes, restarts, steps and noise draws; the attack differentiates tanh(beta t) in place of sign t).
 */
function powerControl(p: G1Params, rng: Rng): Pick<G1Seed, 'controlAttacked' | 'controlWorst' | 'controlWrong' | 'controlPairs' | 'controlViolations'> {
  const centre = tf.fill([p.controlMaps, DIM], 0.5) as tf.Tensor2D;
  const maps = randomSignMaps(rng.fork('maps'), centre, CONTROL_NORM);
  centre.dispose();
  try {
    return tf.tidy(() => {
      const exact = new SignAttribution(maps), surrogate = new SignAttribution(maps, p.beta);
      const smooth = (method: SignAttribution, n: number, label: string) => new UniformSmoothing(method, { nSamples: n, radius: p.radius, rng: rng.fork(label), chunk: 512 });
      const x = tf.fill([p.controlMaps, H, H, 1], 0.5);
      const ids = Int32Array.from({ length: p.controlMaps }, (_, i) => i);
      const h = smooth(exact, p.samples, 'certify').attribute(x, ids);
      const norms = Array.from(h.reshape([p.controlMaps, -1]).norm('euclidean', 1).dataSync());
      const xr = repeatRows(x, p.restarts), tr = repeatTargets(ids, p.restarts), hr = repeatRows(h, p.restarts);
      const controlAttacked: number[] = [], controlWorst: number[] = [];
      const violated = new Array<boolean>(p.controlMaps).fill(false);
      let controlWrong = 0;
      p.epsFractions.forEach((f, e) => {
        const eps = f * p.radius;
        const eot = smooth(surrogate, p.eotSamples, `eot-${e}`);
        const att = attackAttribution((z) => eot.attribute(z, tr), xr, hr, { eps, steps: p.steps, rng: rng.fork(`attack-${e}`), box: [0, 1] });
        const worst = worstPerImage(rowCosine(hr, smooth(exact, p.evalSamples, `eval-${e}`).attribute(xr.add(att.delta), tr)).dataSync(), p.restarts);
        att.delta.dispose();
        const shift = certifyCosine({ norm: 1, n: p.samples, nEval: p.evalSamples, eps, r: p.radius, dim: DIM, alpha: ALPHA }).shift;
        worst.forEach((c, i) => {
          if (c < cosineLowerBound(norms[i], shift / WRONG_FACTOR)) controlWrong++;
          if (c < certifyCosine({ norm: norms[i], n: p.samples, nEval: p.evalSamples, eps, r: p.radius, dim: DIM, alpha: ALPHA }).cosine) violated[i] = true;
        });
        controlAttacked.push(mean(worst));
        controlWorst.push(signWorstCosine(CONTROL_NORM, eps, p.radius, DIM));
      });
      return { controlAttacked, controlWorst, controlWrong, controlPairs: p.controlMaps * p.epsFractions.length, controlViolations: violated.filter(Boolean).length };
    });
  } finally {
    disposeSignMaps(maps);
  }
}

export async function seedG1(p: G1Params, seed: number): Promise<G1Seed> {
  const { train: trainSet, test } = fmnistSplits(p);
  const rng = new Rng(seed);
  const model = stridedCnn({ inputShape: [H, H, 1], channels: p.channels, numClasses: 10 }, rng.fork('init'));
  try {
    const r = await train({ model, data: trainSet, transform: adam(p.lr), batchSize: p.batchSize, epochs: p.epochs, rng: rng.fork('train'), label: `G1 cnn seed ${seed}` });
    if (r.status !== 'ok') throw new Error(`CNN training diverged for seed ${seed}`);
    const testAcc = evaluate(model, test).accuracy;
    const picks = take(test, rng.fork('images').permutation(test.y.length).subarray(0, p.images));
    const plain = new UnitAttribution(new Saliency(model));
    const surrogate = new UnitAttribution(new Saliency(model.surrogate(p.beta)));
    const smooth = (method: UnitAttribution, n: number, label: string) => new UniformSmoothing(method, { nSamples: n, radius: p.radius, rng: rng.fork(label), chunk: 512 });
    const out = tf.tidy(() => {
      const x = tf.tensor(picks.x, [p.images, H, H, 1]);
      const targets = Int32Array.from(model.apply(x).argMax(1).dataSync());
      const h = smooth(plain, p.samples, 'certify').attribute(x, targets);
      const norms = Array.from(h.reshape([p.images, -1]).norm('euclidean', 1).dataSync());
      const xr = repeatRows(x, p.restarts), tr = repeatTargets(targets, p.restarts), hr = repeatRows(h, p.restarts);
      const box: [number, number] = [0, 1];
      const certified: number[][] = [], attacked: number[][] = [], slack: number[] = [];
      const violated = new Array<boolean>(p.images).fill(false), nonVacuous = new Array<boolean>(p.images).fill(false), paperViolated = new Array<boolean>(p.images).fill(false);
      p.epsFractions.forEach((f, e) => {
        const eps = f * p.radius;
        const certs = norms.map((norm) => certifyCosine({ norm, n: p.samples, nEval: p.evalSamples, eps, r: p.radius, dim: DIM, alpha: ALPHA }));
        const cert = certs.map((c) => c.cosine);
        // the paper's form of the bound, with the same radius s: ||h|| / sqrt(||h||^2 + s^2) (above ours; never vacuous)
        const paperCert = certs.map((c, i) => norms[i] / Math.hypot(norms[i], c.shift + c.margin + c.marginEval));
        const eot = smooth(surrogate, p.eotSamples, `eot-${e}`);
        const att = attackAttribution((z) => eot.attribute(z, tr), xr, hr, { eps, steps: p.steps, rng: rng.fork(`attack-${e}`), box });
        const cos = Array.from(rowCosine(hr, smooth(plain, p.evalSamples, `eval-${e}`).attribute(xr.add(att.delta), tr)).dataSync());
        att.delta.dispose();
        cos.forEach((c, t) => {
          const i = Math.floor(t / p.restarts);
          if (c < paperCert[i]) paperViolated[i] = true;
          if (cert[i] <= -1) return; // vacuous: cannot be violated, not counted
          nonVacuous[i] = true;
          if (c < cert[i]) violated[i] = true;
        });
        certified.push(cert);
        attacked.push(cos);
        slack.push(Math.min(...cos.map((c, t) => c - cert[Math.floor(t / p.restarts)])));
      });
      // the attack's strength, at a larger eps: unsmoothed map (ReLU saliency at x as reference), a random
      // perturbation of the same size, and the smoothed map under the same attack
      const epsA = p.attackFraction * p.radius;
      const g = plain.attribute(xr, tr);
      const plainAtt = attackAttribution((z) => surrogate.attribute(z, tr), xr, g, { eps: epsA, steps: p.steps, rng: rng.fork('attack-plain'), box });
      const plainCos = rowCosine(g, plain.attribute(xr.add(plainAtt.delta), tr)).dataSync();
      const randomDelta = ballNoise(rng.fork('random'), xr.shape[0], [H, H, 1], epsA);
      const randomScale = randomDelta.reshape([xr.shape[0], -1]).norm('euclidean', 1, true).reshape([-1, 1, 1, 1]);
      const onSphere = randomDelta.div(randomScale).mul(epsA);
      const randomCos = rowCosine(g, plain.attribute(xr.add(onSphere).clipByValue(0, 1), tr)).dataSync();
      const smoothRandomCos = rowCosine(hr, smooth(plain, p.evalSamples, 'eval-random').attribute(xr.add(onSphere).clipByValue(0, 1), tr)).dataSync();
      const eotA = smooth(surrogate, p.eotSamples, 'eot-strength');
      const smoothAtt = attackAttribution((z) => eotA.attribute(z, tr), xr, hr, { eps: epsA, steps: p.steps, rng: rng.fork('attack-smooth'), box });
      const hAtt = smooth(plain, p.evalSamples, 'eval-strength').attribute(xr.add(smoothAtt.delta), tr);
      const smoothCos = rowCosine(hr, hAtt).dataSync();
      const first = (t: tf.Tensor) => Array.from(t.slice([0], [1]).dataSync());
      const worstPlain = plainCos.indexOf(Math.min(...Array.from(plainCos).slice(0, p.restarts)));
      const examples = [first(x), first(g), Array.from(plain.attribute(xr.add(plainAtt.delta).slice([worstPlain], [1]), tr.subarray(0, 1)).dataSync()), first(h), first(hAtt)];
      plainAtt.delta.dispose(); smoothAtt.delta.dispose();
      const nonMonotone = norms.filter((_, i) => certified.some((c, e) => e > 0 && c[i] > certified[e - 1][i])).length;
      return {
        norms, certified, attacked, slack, nonMonotone, examples,
        violations: violated.filter(Boolean).length, counted: nonVacuous.filter(Boolean).length, paperViolations: paperViolated.filter(Boolean).length,
        smoothRandom: mean(worstPerImage(smoothRandomCos, p.restarts)),
        plainAttacked: mean(worstPerImage(plainCos, p.restarts)),
        plainRandom: mean(worstPerImage(randomCos, p.restarts)),
        smoothAttacked: mean(worstPerImage(smoothCos, p.restarts)),
      };
    });
    const control = powerControl(p, rng.fork('control'));
    const lune = luneCheck(p, rng.fork('lune'));
    const rows: ClaimResult['rows'] = p.epsFractions.map((f, e) => ({
      seed, eps: f * p.radius, certifiedMean: mean(out.certified[e]), attackedMin: Math.min(...out.attacked[e]), slack: out.slack[e], testAcc,
      controlAttacked: control.controlAttacked[e], controlWorst: control.controlWorst[e],
    }));
    rows.push({ seed, eps: p.attackFraction * p.radius, certifiedMean: null, attackedMin: out.smoothAttacked, slack: null, testAcc, controlAttacked: null, controlWorst: null });
    return { ...out, ...control, rows, testAcc, volumeError: lune.error, volumeSe: lune.se };
  } finally {
    model.dispose();
  }
}

export function summarizeG1(p: G1Params, perSeed: G1Seed[]): ClaimResult {
  const by = (f: (s: G1Seed) => number) => perSeed.map(f);
  const total = (f: (s: G1Seed) => number) => perSeed.reduce((a, s) => a + f(s), 0);
  const violations = total((s) => s.violations), counted = total((s) => s.counted);
  const epsGrid = p.epsFractions.map((f) => f * p.radius);
  const epsA = p.attackFraction * p.radius;
  // per image: one estimate at x and restarts x eps evaluation estimates, each failing with probability <= ALPHA
  const imageAlpha = ALPHA * (1 + p.restarts * p.epsFractions.length);
  const eps = (e: number) => +epsGrid[e].toFixed(4);
  // power control: the largest (over eps) mean gap between the attacked and the exact worst cosine of the sign map
  const controlGap = Math.max(...epsGrid.map((_, e) => mean(by((s) => s.controlAttacked[e] - s.controlWorst[e]))));
  return {
    rows: perSeed.flatMap((s) => s.rows),
    verdict: verdict({
      headline: 'violationShare',
      effects: [
        proportion('violationShare', `share of images with any attacked (restart, eps) smoothed-map cosine below its certificate (eps ${epsGrid.map((_, e) => eps(e)).join(', ')}; ${counted ? 'vacuous trials left out' : 'every trial vacuous: all images, none can violate'})`, violations, counted || p.images * perSeed.length,
          { kind: 'direction', sign: -1, reference: imageAlpha, smallest: 0 }, { unit: 'share of images', part: 'attacks cannot push the cosine below the certificate', digits: 4 }),
        paired('smoothMinusPlain', `attacked cosine at eps ${epsA}, uniformly smoothed - unsmoothed saliency (worst restart, mean over images)`, by((s) => s.smoothAttacked), by((s) => s.plainAttacked),
          { kind: 'direction', sign: 1, smallest: PROTECTION }, { unit: 'cosine', part: 'smoothing protects the attribution from the attack' }),
        paired('attackMinusRandom', `unsmoothed cosine at eps ${epsA}, PGD attack - random perturbation of the same norm`, by((s) => s.plainAttacked), by((s) => s.plainRandom),
          { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'cosine', decides: false }),
        meanOf('slack', 'lowest attacked cosine - certificate, over trials and eps (per seed)', by((s) => Math.min(...s.slack)),
          { kind: 'direction', sign: 1, smallest: 0 }, { unit: 'cosine', decides: false }),
        proportion('paperFormShare', 'share of images with any attacked cosine below the paper\'s form of the bound, ||h|| / sqrt(||h||^2 + s^2) (same radius s; all images)', total((s) => s.paperViolations), p.images * perSeed.length,
          { kind: 'direction', sign: -1, reference: imageAlpha, smallest: 0 }, { unit: 'share of images', decides: false, digits: 4 }),
        meanOf('certificateSlope', 'slope of the mean certified cosine on eps (per seed; falls by construction: shift(eps) increases)', by((s) => slope(epsGrid, s.certified.map((c) => mean(c)))),
          { kind: 'direction', sign: -1, smallest: 0 }, { unit: 'cosine per unit eps', decides: false }),
      ],
      premise: [
        premise('testAcc', 'test accuracy of the explained CNN (mean over seeds)', mean(by((s) => s.testAcc)), { atLeast: 0.5 }),
        premise('certifiedAtSmallest', `mean certified cosine at the smallest eps (${epsGrid[0]}): not vacuous`, mean(by((s) => mean(s.certified[0]))), { atLeast: NON_VACUOUS }),
        premise('plainAttacked', `mean attacked cosine of the unsmoothed saliency at eps ${epsA}: the attack is strong`, mean(by((s) => s.plainAttacked)), { atMost: LOW_COSINE }),
        premise('smoothAttackMinusRandom', `smoothed map at eps ${epsA}, attacked - randomly perturbed cosine (mean over seeds): its attack beats a random perturbation`, mean(by((s) => s.smoothAttacked - s.smoothRandom)), { atMost: 0 }),
        premise('controlReach', `power control (sign map, ||a|| = ${CONTROL_NORM}): attacked - exact worst cosine at the certified eps (largest over eps of the mean): the attack reaches the worst case`, controlGap, { atMost: CONTROL_REACH }),
        premise('controlDetects', `power control: share of (map, eps) pairs whose attacked cosine falls below a wrong certificate (shift / ${WRONG_FACTOR}, no margins)`, total((s) => s.controlWrong) / total((s) => s.controlPairs), { atLeast: CONTROL_DETECTS }),
      ],
      checks: [
        check('luneVolume', `largest |Monte Carlo - exact| fraction of B(0, r) outside B(delta, r) in D = ${DIM} (tolerance 5 standard errors)`, Math.max(...by((s) => s.volumeError)), 0, 5 * Math.max(...by((s) => s.volumeSe))),
      ],
      numbers: {
        seeds: perSeed.length, violations, counted, images: p.images, restarts: p.restarts, alpha: ALPHA, imageAlpha,
        // holds by construction (the certificate is monotone in eps for a fixed norm): a consistency count, not a check
        nonMonotone: total((s) => s.nonMonotone),
        paperViolations: total((s) => s.paperViolations),
        controlViolations: total((s) => s.controlViolations), controlWrong: total((s) => s.controlWrong), controlPairs: total((s) => s.controlPairs),
        ...Object.fromEntries(epsGrid.map((_, e) => [`controlAttackedEps${e}`, mean(by((s) => s.controlAttacked[e]))])),
        ...Object.fromEntries(epsGrid.map((_, e) => [`controlWorstEps${e}`, perSeed[0].controlWorst[e]])),
        ...Object.fromEntries(epsGrid.map((_, e) => [`controlBoundEps${e}`, certifyCosineExact(CONTROL_NORM, epsGrid[e], p.radius, DIM)])),
        smoothedNorm: mean(by((s) => mean(s.norms))),
        ...Object.fromEntries(epsGrid.map((_, e) => [`certifiedEps${e}`, mean(by((s) => mean(s.certified[e])))])),
        ...Object.fromEntries(epsGrid.map((_, e) => [`attackedMinEps${e}`, Math.min(...by((s) => Math.min(...s.attacked[e])))])),
        smoothAttacked: mean(by((s) => s.smoothAttacked)), plainRandom: mean(by((s) => s.plainRandom)), smoothRandom: mean(by((s) => s.smoothRandom)),
      },
    }),
    figures: figuresG1(p, perSeed),
  };
}

const toGrid = (v: number[]) => Array.from({ length: H }, (_, r) => v.slice(r * H, (r + 1) * H));

function figuresG1(p: G1Params, perSeed: G1Seed[]): Figure[] {
  const epsGrid = p.epsFractions.map((f) => f * p.radius);
  const epsA = p.attackFraction * p.radius;
  const s0 = perSeed[0];
  return [
    lineFigure('Certified cosine (mean over images) and the lowest attacked cosine of the smoothed saliency, per eps', 'eps (l2)', 'cosine to the map at x', [
      { name: 'certificate (mean over images and seeds)', x: epsGrid, y: epsGrid.map((_, e) => mean(perSeed.map((s) => mean(s.certified[e])))), mode: 'lines+markers' },
      { name: 'attacked smoothed map (lowest over trials and seeds)', x: epsGrid, y: epsGrid.map((_, e) => Math.min(...perSeed.map((s) => Math.min(...s.attacked[e])))), mode: 'lines+markers' },
    ]),
    barFigure(`Cosine to the clean map after a perturbation of l2 norm ${epsA} (worst restart, mean over images; 95% t interval over seeds)`, 'cosine', [
      seedBar('saliency, random perturbation', perSeed.map((s) => s.plainRandom)),
      seedBar('saliency, PGD attack', perSeed.map((s) => s.plainAttacked)),
      seedBar(`uniformly smoothed saliency (r ${p.radius}), PGD attack`, perSeed.map((s) => s.smoothAttacked)),
    ]),
    heatmapGrid(`First image, first seed: saliency and smoothed saliency at x and after the attack (eps ${epsA})`, [
      { title: 'input', z: toGrid(s0.examples[0]) },
      { title: 'saliency', z: toGrid(s0.examples[1]), colorscale: 'RdBu' },
      { title: 'saliency, attacked', z: toGrid(s0.examples[2]), colorscale: 'RdBu' },
      { title: 'smoothed', z: toGrid(s0.examples[3]), colorscale: 'RdBu' },
      { title: 'smoothed, attacked', z: toGrid(s0.examples[4]), colorscale: 'RdBu' },
    ], 5),
  ];
}

const common = { source: 'subset' as const, batchSize: 32, lr: 2e-3, radius: 4, epsFractions: [0.005, 0.01, 0.02], attackFraction: 0.5, beta: 10 };

export const claim = defineClaim<G1Params, G1Seed>({
  id: 'G1',
  slug: 'uniform-smoothing',
  paper: 'Certified ell_2 Attribution Robustness via Uniformly Smoothed Attributions (Wang & Kong 2024)',
  claim: 'attributions averaged over noise uniform in an l2 ball have a certified lower bound on the cosine similarity between the map at x and at any x + delta, ||delta||_2 <= eps; attacks cannot push below it, and smoothing protects the attribution',
  setting: 'ReLU CNN of stride-2 3x3 convolutions on Fashion-MNIST (the paper: MNIST, CIFAR-10, ImageNet); attribution: saliency of the predicted logit scaled to unit norm (M = 1), ' +
    'smoothed uniformly in the l2 ball of radius 4 (per-pixel std ~0.14); certificate with McDiarmid margins at alpha 0.005 per estimate; eps = r x {0.005, 0.01, 0.02}; ' +
    'PGD in the l2 ball (box [0, 1]) on a softplus(beta 10) surrogate with expectation over fresh ball noise; attack strength at eps = r / 2; ' +
    'power control at the certified eps: unit maps a + b sign<z - x, e> (||a|| = 0.5, a ⟂ b) on a grey image, attacked through tanh(10 t) with the same pipeline. ' +
    'full: 5 seeds, 5000 training images, 3 epochs, 8-16 channels, 20 images x 3 restarts, 2000 + 2000 samples, 20 steps of 16 noise draws; ' +
    'ci, cut to the CI budget: 2 seeds, 640 images for 1 epoch, 4-8 channels, 2 images x 2 restarts, 256 + 256 samples, 4 steps of 4 draws',
  rule: 'the share of images with any non-vacuous (restart, eps) trial whose attacked smoothed cosine falls below its certificate is below the union bound alpha (1 + R E) (exact binomial over images, 95% Clopper-Pearson upper bound); ' +
    'attacked cosine at eps = r / 2, smoothed - unsmoothed, above 0 by >= 0.1 (paired t over seeds); premises: test accuracy >= 0.5, mean certificate at the smallest eps >= 0.5 (not vacuous), ' +
    'unsmoothed attacked cosine at eps = r / 2 <= 0.6 (the attack is strong), smoothed attacked - randomly perturbed cosine at eps = r / 2 <= 0, ' +
    'power control at the certified eps: attacked - exact worst cosine of the sign map <= 0.1 at every eps, and >= 80% of its (map, eps) pairs violating a wrong certificate (shift / 4); ' +
    'check: the lune volume formula against Monte Carlo in D = 784 within 5 s.e.; attack - random perturbation, slack to the certificate, violations of the paper\'s form of the bound ' +
    'and the certificate\'s slope in eps (falls by construction) reported',
  scales: {
    smoke: { seeds: [1, 2], ...common, nTrain: 320, nTest: 100, channels: [2, 4], epochs: 1, images: 2, controlMaps: 1, restarts: 1, samples: 32, evalSamples: 32, steps: 2, eotSamples: 2, volumePoints: 2000, epsFractions: [0.005, 0.02] },
    ci: { seeds: [1, 2], ...common, nTrain: 640, nTest: 500, channels: [4, 8], epochs: 1, images: 2, controlMaps: 1, restarts: 2, samples: 256, evalSamples: 256, steps: 4, eotSamples: 4, volumePoints: 5000 },
    full: { seeds: [1, 2, 3, 4, 5], ...common, nTrain: 5000, nTest: 1000, channels: [8, 16], epochs: 3, images: 20, controlMaps: 20, restarts: 3, samples: 2000, evalSamples: 2000, steps: 20, eotSamples: 16, volumePoints: 20000 },
  },
  seed: seedG1,
  summarize: summarizeG1,
});
