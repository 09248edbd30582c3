/**
 * Fashion-MNIST (idx, optionally gzipped). The full 60k/10k set is read from `data/fashion-mnist/` or
 * Debian's `/usr/share/datasets/fashion-mnist/` (package dataset-fashion-mnist); a subset (5k train,
 * 1k test, the first examples of each official split) ships in `data/fashion-mnist-subset/` so that
 * tests run anywhere.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataFileError, readIdx } from './idx.js';
import type { Dataset } from './dataset.js';
import { head } from './dataset.js';
import { projectRoot } from '../util/paths.js';

/** The ten Fashion-MNIST class names, indexed by label. */
export const FMNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/**
 * Where Fashion-MNIST is read from: the shipped subset, the full set (must be installed), or 'auto' (the full
 * set if present, else the subset).
 */
export type FmnistSource = 'subset' | 'full' | 'auto';
/** The official training split (60k examples; 5k in the subset) or test split (10k; 1k in the subset). */
export type Split = 'train' | 'test';

const FILES: Record<Split, [string, string]> = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

/**
 * Folders searched for the full dataset, in order: the project's data/fashion-mnist/, then Debian's
 * /usr/share/datasets/fashion-mnist/.
 */
export function fullDatasetDirs(): string[] {
  return [join(projectRoot(), 'data', 'fashion-mnist'), '/usr/share/datasets/fashion-mnist'];
}

/** The folder of the shipped subset (the first 5k training and 1k test examples). */
export function subsetDir(): string {
  return join(projectRoot(), 'data', 'fashion-mnist-subset');
}

/** `name` or `name.gz` inside dir, whichever exists. */
function locate(dir: string, name: string): string | null {
  for (const f of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(f)) return f;
  return null;
}

function hasSplit(dir: string, split: Split): boolean {
  return FILES[split].every((n) => locate(dir, n) !== null);
}

/** Read one split from `dir`, checking that images and labels agree. Pixels are scaled to [0, 1]. */
export function readFmnistDir(dir: string, split: Split): Dataset {
  const [imgName, lblName] = FILES[split];
  const imgFile = locate(dir, imgName);
  const lblFile = locate(dir, lblName);
  if (!imgFile || !lblFile) {
    throw new DataFileError(join(dir, imgFile ? lblName : imgName), 'not found (nor its .gz)');
  }
  const images = readIdx(imgFile);
  const labels = readIdx(lblFile);
  if (images.dims.length !== 3) throw new DataFileError(imgFile, `expected rank-3 images, got dims ${images.dims.join('x')}`);
  if (labels.dims.length !== 1) throw new DataFileError(lblFile, `expected rank-1 labels, got dims ${labels.dims.join('x')}`);
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataFileError(lblFile, `has ${labels.dims[0]} labels but ${imgFile} has ${n} images`);
  }
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (v > 9) throw new DataFileError(lblFile, `label ${v} at index ${i} is outside 0..9`);
    y[i] = v;
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { name: `fashion-mnist/${split}`, x, y, featureShape: [h, w, 1], numClasses: 10 };
}

/**
 * Options of `loadFashionMnist`: split (default 'train'), source (default 'auto'), an example limit, or a folder
 * to read instead.
 */
export interface FmnistOptions {
  split?: Split;
  /** 'subset' (shipped), 'full' (must exist), or 'auto' (full if present, else the subset) */
  source?: FmnistSource;
  /** keep the first `limit` examples */
  limit?: number;
  /** read from this folder instead of the standard places */
  dir?: string;
}

/**
 * One Fashion-MNIST split as a Dataset of [28, 28, 1] images with pixels scaled to [0, 1] and labels 0-9; throws
 * when source 'full' is asked for and not installed.
 */
export function loadFashionMnist(opts: FmnistOptions = {}): Dataset {
  const split = opts.split ?? 'train';
  const source = opts.source ?? 'auto';
  let dir = opts.dir;
  if (!dir) {
    const full = fullDatasetDirs().find((d) => hasSplit(d, split));
    if (source === 'full' && !full) {
      throw new Error(`Fashion-MNIST (${split}) not found in ${fullDatasetDirs().join(' or ')}; ` +
        'install Debian package dataset-fashion-mnist or copy the idx files there');
    }
    dir = source === 'subset' || !full ? subsetDir() : full;
  }
  const ds = readFmnistDir(dir, split);
  return opts.limit !== undefined && opts.limit < ds.y.length ? head(ds, opts.limit) : ds;
}
