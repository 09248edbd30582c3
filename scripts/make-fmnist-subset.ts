/**
 * Rebuild data/fashion-mnist-subset/ from the full Fashion-MNIST (Debian's dataset-fashion-mnist):
 * the first 5000 training and 1000 test examples, which the official files already shuffle.
 * Usage: npx tsx scripts/make-fmnist-subset.ts [srcDir]
 */
import { join } from 'node:path';
import { readIdx, writeIdx } from '../src/data/idx.js';
import { subsetDir } from '../src/data/fashion-mnist.js';

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const counts = { train: 5000, t10k: 1000 };
for (const [prefix, n] of Object.entries(counts)) {
  for (const kind of ['images-idx3-ubyte', 'labels-idx1-ubyte']) {
    const name = `${prefix}-${kind}`;
    const full = readIdx(join(src, `${name}.gz`));
    const per = full.dims.slice(1).reduce((a, b) => a * b, 1);
    writeIdx(join(subsetDir(), `${name}.gz`), { dims: [n, ...full.dims.slice(1)], data: full.data.subarray(0, n * per) });
    console.log(`${name}: ${n} of ${full.dims[0]}`);
  }
}
