/** Label-noise injection: rates, flips and class maps. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random/rng.js';
import { asymmetricNoise, randomLabels, symmetricNoise } from '../src/techniques/label-noise/index.js';

const labels = Int32Array.from({ length: 20000 }, (_, i) => i % 10);

describe('label noise', () => {
  it('symmetric noise changes the given share of labels, always to another class, uniformly', () => {
    const { y, flipped } = symmetricNoise(labels, 0.3, 10, new Rng(1));
    const changed = y.filter((v, i) => v !== labels[i]).length;
    expect(changed / labels.length).toBeCloseTo(0.3, 1);
    y.forEach((v, i) => expect(flipped[i] === 1).toBe(v !== labels[i]));
    const toNext = y.filter((v, i) => flipped[i] && v === (labels[i] + 1) % 10).length;
    expect(toNext / changed).toBeCloseTo(1 / 9, 1);
  });

  it('random labels redraw from all classes (a tenth of the redraws keep their label)', () => {
    const { y } = randomLabels(labels, 1, 10, new Rng(2));
    expect(y.filter((v, i) => v === labels[i]).length / labels.length).toBeCloseTo(0.1, 1);
  });

  it('asymmetric noise follows the class map', () => {
    const { y, flipped } = asymmetricNoise(labels, 0.4, 10, (c) => (c + 3) % 10, new Rng(3));
    y.forEach((v, i) => expect(v === labels[i] || v === (labels[i] + 3) % 10).toBe(true));
    expect(flipped.reduce((s, f) => s + f, 0) / labels.length).toBeCloseTo(0.4, 1);
    expect(() => symmetricNoise(labels, 1.5, 10, new Rng(1))).toThrow(/rate/);
  });
});
