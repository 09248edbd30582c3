/**
 * The `native` backend: tfjs's cpu backend (its TypedArray storage and every kernel) with the heavy
 * kernels replaced by the OpenBLAS addon. Gradients are registered per kernel name, so they flow
 * through the replaced kernels unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadAddon } from './addon.js';
import { fusedKernels } from './fused.js';
import { nativeKernels } from './kernels.js';
import { useNormalFiller } from '../../random/rng.js';
import { outputPool } from './util.js';

export const NATIVE = 'native';

type Values = Parameters<MathBackendCPU['write']>[0];

/**
 * The cpu backend with its "install tfjs-node" banner turned off (this backend is the answer to it),
 * telling the output pool where kernel outputs go: into a tensor, out to the user, or away.
 */
class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: Values, shape: number[], dtype: tf.DataType): tf.DataId {
    outputPool.attach(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: tf.DataId, values: Values, shape: number[], dtype: tf.DataType, refCount: number): void {
    outputPool.attach(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    outputPool.escape(values);
    return values;
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId)!.values : null;
    const gone = super.disposeData(dataId, force);
    if (gone && values) outputPool.release(values);
    return gone;
  }
}

/** Register the backend (once) and return its name; throws why when the addon is unavailable. */
export async function registerNativeBackend(): Promise<string> {
  if (tf.findBackendFactory(NATIVE)) return NATIVE;
  const addon = loadAddon();
  const threads = Number(process.env.NOISELAB_THREADS ?? 0);
  if (threads > 0) addon.setThreads(threads);
  const cpuKernels = new Map(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k.kernelFunc]));
  const cpu = (name: string) => {
    const f = cpuKernels.get(name);
    if (!f) throw new Error(`native backend: no cpu kernel ${name} to fall back to`);
    return f as (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => tf.TensorInfo | tf.TensorInfo[];
  };
  const replaced = nativeKernels(addon, cpu);
  // seeded normal draws (gradient noise, initialisation) in C++: the same numbers, without JS time
  useNormalFiller((state, spare, out, mean, std) => addon.normalFill(state, spare, out, mean, std));
  tf.registerBackend(NATIVE, () => new NativeBackend(), 3);
  for (const k of tf.getKernelsForBackend('cpu')) {
    tf.registerKernel({ ...k, backendName: NATIVE, kernelFunc: (replaced[k.kernelName] ?? k.kernelFunc) as tf.KernelFunc });
  }
  // kernels of noiselab's own ops, which the cpu backend does not have
  for (const [kernelName, kernelFunc] of Object.entries(fusedKernels(addon))) tf.registerKernel({ kernelName, backendName: NATIVE, kernelFunc: kernelFunc as tf.KernelFunc });
  return NATIVE;
}
