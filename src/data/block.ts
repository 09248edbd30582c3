/**
 * BlockMNIST-style data (Shah, Jain & Netrapalli 2021): each image stacks two blocks vertically, the
 * real image (the only discriminative block) and a null patch that is the same in every image, in
 * random order, so where the class evidence sits is known for every example.
 */
import type { Rng } from '../random/rng.js';
import type { Dataset } from './dataset.js';

export interface BlockDataset extends Dataset {
  /** 1 where the real image is the top block, 0 where it is the bottom one */
  signalTop: Uint8Array;
  /** pixels per block */
  blockSize: number;
}

/** The null patch: a hollow square (side half the block, 2-pixel stroke) at the block's centre. */
export function nullPatch(h: number, w: number): Float32Array {
  const patch = new Float32Array(h * w);
  const [top, left, side] = [Math.floor(h / 4), Math.floor(w / 4), Math.floor(Math.min(h, w) / 2)];
  for (let r = top; r < top + side; r++) {
    for (let c = left; c < left + side; c++) {
      const edge = r < top + 2 || r >= top + side - 2 || c < left + 2 || c >= left + side - 2;
      if (edge) patch[r * w + c] = 1;
    }
  }
  return patch;
}

/** Stack each [h, w, 1] image of `ds` with the null patch, the image on top with probability 1/2. */
export function blockImages(ds: Dataset, rng: Rng): BlockDataset {
  const [h, w, ch] = ds.featureShape;
  if (ds.featureShape.length !== 3 || ch !== 1) throw new Error(`blockImages: ${ds.name} has shape [${ds.featureShape}], expected [h, w, 1]`);
  const block = h * w;
  const n = ds.y.length;
  const patch = nullPatch(h, w);
  const x = new Float32Array(n * 2 * block);
  const signalTop = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    signalTop[i] = rng.uniform() < 0.5 ? 1 : 0;
    const image = ds.x.subarray(i * block, (i + 1) * block);
    x.set(signalTop[i] ? image : patch, i * 2 * block);
    x.set(signalTop[i] ? patch : image, i * 2 * block + block);
  }
  return { name: `block ${ds.name}`, x, y: ds.y, featureShape: [2 * h, w, 1], numClasses: ds.numClasses, signalTop, blockSize: block };
}
