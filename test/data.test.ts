import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { featureSize, size, split } from '../src/data/dataset.js';
import { fullDatasetDirs, loadFashionMnist, readFmnistDir, subsetDir } from '../src/data/fashion-mnist.js';
import { encodeIdx, parseIdx, readIdx } from '../src/data/idx.js';
import { gaussianMixture, moons, moonsWithShortcut, spirals, xorClusters } from '../src/data/toy2d.js';
import { Rng } from '../src/random/rng.js';
import { tempDir } from './helpers.js';

const arr = { dims: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };

describe('idx', () => {
  it('round-trips plain and gzipped files', () => {
    for (const gz of [false, true]) {
      const back = parseIdx(encodeIdx(arr, gz), 'mem');
      expect(back.dims).toEqual([2, 3]);
      expect(Array.from(back.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  const raw = encodeIdx(arr, false);
  const broken: [string, Uint8Array, RegExp][] = [
    ['truncated data', raw.subarray(0, raw.length - 2), /truncated: dims 2x3 need 6 bytes of data, found 4/],
    ['truncated header', raw.subarray(0, 6), /truncated idx header/],
    ['too short', raw.subarray(0, 2), /too short/],
    ['trailing bytes', Uint8Array.from([...raw, 9, 9]), /2 trailing bytes/],
    ['bad magic', Uint8Array.from([1, ...raw.subarray(1)]), /bad magic/],
    ['bad dtype', Uint8Array.from([0, 0, 0x0d, ...raw.subarray(3)]), /unsupported idx dtype 0xd/],
    ['corrupt gzip', gzipSync(raw).map((b, i) => (i > 12 && i < 20 ? b ^ 0xff : b)), /corrupt gzip stream/],
    ['truncated gzip', gzipSync(raw).subarray(0, 15), /corrupt gzip stream/],
    ['huge dims', Uint8Array.from([0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /implausibly large/],
  ];
  it.each(broken)('reports %s with the file name', (_name, bytes, msg) => {
    const dir = tempDir();
    const file = join(dir, 'bad-idx1-ubyte');
    writeFileSync(file, bytes);
    expect(() => readIdx(file)).toThrow(msg);
    expect(() => readIdx(file)).toThrow(file);
  });

  it('reports a missing file by name', () => {
    expect(() => readIdx('/nonexistent/x-idx1-ubyte')).toThrow(/\/nonexistent\/x-idx1-ubyte: cannot read \(ENOENT\)/);
  });
});

describe('Fashion-MNIST', () => {
  it('ships a 5k/1k subset with all classes', () => {
    const train = loadFashionMnist({ split: 'train', source: 'subset' });
    const test = loadFashionMnist({ split: 'test', source: 'subset' });
    expect(size(train)).toBe(5000);
    expect(size(test)).toBe(1000);
    expect(train.featureShape).toEqual([28, 28, 1]);
    expect(new Set(train.y).size).toBe(10);
    expect(Math.max(...train.x.subarray(0, 784 * 10))).toBeLessThanOrEqual(1);
    expect(size(loadFashionMnist({ source: 'subset', limit: 100 }))).toBe(100);
  });

  it('rejects images and labels that disagree, naming both files', () => {
    const dir = tempDir();
    const img = readFileSync(join(subsetDir(), 't10k-images-idx3-ubyte.gz'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), img);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx({ dims: [999], data: new Uint8Array(999) }, false));
    expect(() => readFmnistDir(dir, 'test')).toThrow(/t10k-labels-idx1-ubyte: has 999 labels but .*t10k-images-idx3-ubyte.gz has 1000 images/);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx({ dims: [1000], data: new Uint8Array(1000).fill(12) }, false));
    expect(() => readFmnistDir(dir, 'test')).toThrow(/label 12 at index 0 is outside 0..9/);
  });

  it('names the missing file', () => {
    expect(() => readFmnistDir(tempDir(), 'train')).toThrow(/train-images-idx3-ubyte: not found/);
  });

  it('never modifies its input files', () => {
    const f = join(subsetDir(), 'train-labels-idx1-ubyte.gz');
    const before = statSync(f).mtimeMs;
    loadFashionMnist({ source: 'subset' });
    expect(statSync(f).mtimeMs).toBe(before);
  });

  const full = fullDatasetDirs().some((d) => existsSync(join(d, 'train-images-idx3-ubyte.gz')));
  it.runIf(full)('reads the full 60k/10k set when it is installed', () => {
    expect(size(loadFashionMnist({ split: 'train', source: 'full' }))).toBe(60000);
    expect(size(loadFashionMnist({ split: 'test', source: 'full' }))).toBe(10000);
  });
});

describe('synthetic data', () => {
  it('generates labelled 2-D sets deterministically', () => {
    for (const make of [(r: Rng) => moons(200, 0.1, r), (r: Rng) => spirals(300, 3, 0.05, r),
      (r: Rng) => gaussianMixture(400, { means: [[0, 0], [3, 3]], std: 0.5, weights: [0.2, 0.8] }, r)]) {
      const a = make(new Rng(1));
      const b = make(new Rng(1));
      expect(Array.from(a.x)).toEqual(Array.from(b.x));
      expect(featureSize(a)).toBe(2);
      expect(a.x.length).toBe(2 * size(a));
      expect(Math.max(...a.y)).toBe(a.numClasses - 1);
    }
  });

  it('draws mixture components in proportion to their weights', () => {
    const ds = gaussianMixture(20000, { means: [[0, 0], [3, 3]], std: 0.5, weights: [0.2, 0.8] }, new Rng(4));
    const share = ds.y.reduce((s, v) => s + v, 0) / size(ds);
    expect(share).toBeGreaterThan(0.79);
    expect(share).toBeLessThan(0.81);
  });

  it('moons are two half circles', () => {
    const ds = moons(1000, 0, new Rng(2));
    for (let i = 0; i < size(ds); i++) {
      const [x, y] = [ds.x[2 * i], ds.x[2 * i + 1]];
      const r = ds.y[i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      expect(r).toBeCloseTo(1, 5);
    }
  });

  it('XOR clusters flip the requested share of labels and keep the clean ones', () => {
    const ds = xorClusters(10000, 5, 4, 0.15, new Rng(3));
    const flipped = ds.y.filter((v, i) => v !== ds.clean[i]).length / size(ds);
    expect(flipped).toBeGreaterThan(0.13);
    expect(flipped).toBeLessThan(0.17);
    // label 0 clusters lie along axis 0, label 1 along axis 1
    const i0 = Array.from(ds.clean).findIndex((c) => c === 0);
    expect(Math.abs(ds.x[i0 * 5])).toBeGreaterThan(Math.abs(ds.x[i0 * 5 + 1]) - 3);
    expect(() => xorClusters(10, 1, 1, 0, new Rng(1))).toThrow(/d must be >= 2/);
  });

  it('splits without losing examples', () => {
    const ds = moons(101, 0.1, new Rng(1));
    const [a, b] = split(ds, 0.3, new Rng(2));
    expect(size(a) + size(b)).toBe(101);
    expect(size(a)).toBe(30);
  });
});

describe('moons with a shortcut', () => {
  it('adds a third feature at +-margin by class, or pure noise when the shortcut is removed', () => {
    const spec = { noise: 0.1, margin: 2, shortcutNoise: 0 };
    const on = moonsWithShortcut(50, { ...spec, shortcut: true }, new Rng(1));
    const off = moonsWithShortcut(50, { ...spec, shortcut: false }, new Rng(1));
    expect(on.featureShape).toEqual([3]);
    for (let i = 0; i < 50; i++) {
      expect(on.x[3 * i + 2]).toBe(on.y[i] === 1 ? 2 : -2);
      expect(off.x[3 * i + 2]).toBe(0);
      // the moons themselves are the same draw
      expect(off.x[3 * i]).toBe(on.x[3 * i]);
    }
  });
});

describe('block images', () => {
  it('stack each image with the same null patch, the image on top or at the bottom, labels kept', async () => {
    const { blockImages, nullPatch } = await import('../src/data/block.js');
    const { Rng } = await import('../src/random/rng.js');
    const ds = { name: 'tiny', x: Float32Array.from({ length: 3 * 16 }, (_, i) => 0.5 + i / 1000), y: Int32Array.from([2, 0, 1]), featureShape: [4, 4, 1], numClasses: 3 };
    const b = blockImages(ds, new Rng(1));
    expect(b.featureShape).toEqual([8, 4, 1]);
    expect(Array.from(b.y)).toEqual([2, 0, 1]);
    const patch = nullPatch(4, 4);
    expect(Array.from(patch)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    for (let i = 0; i < 3; i++) {
      const img = Array.from(ds.x.subarray(i * 16, (i + 1) * 16));
      const [top, bottom] = [Array.from(b.x.subarray(i * 32, i * 32 + 16)), Array.from(b.x.subarray(i * 32 + 16, i * 32 + 32))];
      expect(b.signalTop[i] ? [top, bottom] : [bottom, top]).toEqual([img, Array.from(patch)]);
    }
    const many = blockImages({ ...ds, x: new Float32Array(400 * 16), y: new Int32Array(400) }, new Rng(2));
    const share = many.signalTop.reduce((s, v) => s + v, 0) / 400;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
    expect(() => blockImages({ ...ds, featureShape: [16] }, new Rng(1))).toThrow(/expected \[h, w, 1\]/);
  });
});
