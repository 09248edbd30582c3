import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { gmm, gmmScore, sampleGmm, veGeometric, vpLinear } from '../src/techniques/diffusion/index.js';
import { scoreFpResidual, trainFpScore } from '../src/techniques/fokker-planck/index.js';

const data = gmm([0.4, 0.6], [[-1, 0.5], [1, -0.2]], [0.1, 0.2]);
const relative = (r: ReturnType<typeof scoreFpResidual>) => Math.sqrt(r.residual.reduce((a, v) => a + v * v, 0) / r.dsdt.reduce((a, v) => a + v * v, 0));

describe('score Fokker-Planck residual', () => {
  it('vanishes for the exact noised score (VP and VE) and not for a scaled one', () => {
    const pts = sampleGmm(data, 40, new Rng(1));
    for (const P of [vpLinear(), veGeometric(0.01, 5)]) for (const t of [0.05, 0.3, 0.7]) {
      const xt = pts.map((v, q) => P.alpha(t) * v + P.sigma(t) * Math.cos(q));
      const exact = gmmScore(data, P);
      expect(relative(scoreFpResidual(P, exact, xt, t, 2)), `${P.name} t=${t}`).toBeLessThan(1e-4);
      expect(relative(scoreFpResidual(P, (x, s) => exact(x, s).map((v) => 1.1 * v), xt, t, 2)), `${P.name} t=${t} scaled`).toBeGreaterThan(0.01);
    }
    expect(() => scoreFpResidual(vpLinear(), gmmScore(data, vpLinear()), Float64Array.of(0, 0), 0, 2)).toThrow(/scoreFpResidual: need h, k > 0 and \[t - k, t \+ k\] inside \[0, 1\]/);
  });

  it('the penalised trainer lowers the residual against plain DSM from the same start, leaving no tensors', async () => {
    const P = vpLinear();
    const training = sampleGmm(data, 5000, new Rng(2));
    const pts = sampleGmm(data, 100, new Rng(3));
    const before = tf.memory().numTensors;
    const residualOf = async (fpWeight: number) => {
      const net = await trainFpScore(P, training, 2, { hidden: [16, 16], steps: 150, batchSize: 32, lr: 2e-3, fpWeight, rng: new Rng(4) });
      let total = 0;
      for (const t of [0.1, 0.4]) {
        const xt = pts.map((v, q) => P.alpha(t) * v + P.sigma(t) * Math.cos(q));
        const { residual } = scoreFpResidual(P, net.score, xt, t, 2, { h: 1e-2, k: 1e-3 });
        total += P.sigma(t) ** 2 * residual.reduce((a, v) => a + v * v, 0);
      }
      net.dispose();
      return total;
    };
    const [plain, penalised] = [await residualOf(0), await residualOf(0.01)];
    expect(penalised).toBeLessThan(plain / 2);
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainFpScore(P, training, 2, { hidden: [4], steps: 1, batchSize: 2, lr: 1e-3, fpWeight: -1, rng: new Rng(1) })).rejects.toThrow('trainFpScore: fpWeight must be >= 0, got -1');
  }, 60_000);
});
