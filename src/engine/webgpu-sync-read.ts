/**
 * Synchronous reads (`dataSync()`, `arraySync()`) on tfjs's WebGPU backend in Node, so that train(), the
 * techniques and the claims, which read synchronously, run on it unchanged.
 *
 * tfjs reads a GPU tensor synchronously by drawing it through an OffscreenCanvas, which Node lacks. Dawn's
 * Node binding completes a buffer map when it processes its events, and it schedules that processing one
 * native callback at a time with the global setImmediate (dawn/node AsyncRunner). captureDawnTicks routes
 * those callbacks through a set; a synchronous read copies the tensor into a staging buffer, asks for the
 * map, and runs the captured callbacks itself until the map completes: a blocking read, as `.item()` is in
 * PyTorch, during which nothing else on the event loop runs. Asynchronous reads are unchanged.
 */
import * as tf from '@tensorflow/tfjs';

/** Dawn's event-processing callbacks waiting to run, as passed to setImmediate. */
const dawnTicks = new Set<() => void>();
let capturing = false;

/** A callback Dawn's binding made (an anonymous native function), not one of JavaScript's. */
const isDawnCallback = (fn: unknown): fn is () => void =>
  typeof fn === 'function' && fn.name === '' && Function.prototype.toString.call(fn).includes('[native code]');

/**
 * Routes Dawn's setImmediate callbacks through a set that a synchronous read can run from; they still run
 * from the event loop when no read takes them first (each runs once). Must precede Dawn's first use.
 */
export function captureDawnTicks(): void {
  if (capturing) return;
  capturing = true;
  const real = globalThis.setImmediate;
  const patched = function setImmediate(fn: (...a: unknown[]) => void, ...args: unknown[]) {
    if (args.length === 0 && isDawnCallback(fn)) {
      dawnTicks.add(fn);
      return real(() => { if (dawnTicks.delete(fn)) fn(); });
    }
    return real(fn, ...args);
  };
  // keeps setImmediate's own properties (util.promisify's custom form)
  globalThis.setImmediate = Object.assign(patched, real) as typeof setImmediate;
}

/** The longest a synchronous read waits for the GPU before it gives up (a hung device), ms. */
const READ_DEADLINE_MS = 10 * 60_000;
/** A pause between polls once a read has polled this often without the map completing (a long kernel). */
const BUSY_POLLS = 200;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Runs Dawn's event processing until `buffer`'s map is no longer pending; throws when it cannot progress. */
function waitForMap(buffer: GPUBuffer): void {
  const deadline = performance.now() + READ_DEADLINE_MS;
  for (let polls = 0; buffer.mapState === 'pending'; polls++) {
    const next = dawnTicks.values().next();
    if (next.done) {
      throw new Error('webgpu synchronous read: Dawn scheduled no event processing (was setImmediate replaced after the backend was registered, e.g. by fake timers?); read with await t.data()');
    }
    dawnTicks.delete(next.value);
    next.value();
    if (polls >= BUSY_POLLS) {
      if (performance.now() > deadline) throw new Error(`webgpu synchronous read: the GPU did not finish within ${READ_DEADLINE_MS / 60_000} minutes`);
      // leave the cores to the driver's threads (lavapipe's are on the CPU) while a long kernel runs
      Atomics.wait(pause, 0, 0, 0.05);
    }
  }
}

/** The parts of tfjs-backend-webgpu 4.22's WebGPUBackend a read uses (not in its public types). */
interface BackendInternals {
  tensorMap: { get(id: tf.DataId): { values: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource: GPUBuffer; complexTensorInfos?: { real: tf.TensorInfo; imag: tf.TensorInfo } } };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer; releaseBuffer(b: GPUBuffer): void };
  commandEncoder: GPUCommandEncoder;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(id: tf.DataId, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
  readSync(id: tf.DataId): tf.backend_util.BackendValues;
}

/** A tensor's values read from the GPU through a staging buffer, blocking until they are there. */
function readSync(this: BackendInternals, dataId: tf.DataId): tf.backend_util.BackendValues {
  const data = this.tensorMap.get(dataId);
  if (data.values != null || data.dtype === 'string') return data.values!;
  if (tf.env().getBool('WEBGPU_ENGINE_COMPILE_ONLY')) throw new Error('webgpu synchronous read: WEBGPU_ENGINE_COMPILE_ONLY is set, so there are no values to read');
  if (data.dtype === 'complex64') {
    const real = this.readSync(data.complexTensorInfos!.real.dataId) as Float32Array;
    const imag = this.readSync(data.complexTensorInfos!.imag.dataId) as Float32Array;
    return this.convertAndCacheOnCPU(dataId, tf.backend_util.mergeRealAndImagArrays(real, imag));
  }
  const size = data.resource.size;
  const staging = this.bufferManager.acquireBuffer(size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
  this.ensureCommandEncoderReady();
  this.endComputePassEncoder();
  this.commandEncoder.copyBufferToBuffer(data.resource, 0, staging, 0, size);
  this.submitQueue();
  // a failed map is seen below as a buffer that is not mapped; the promise's rejection needs a handler
  staging.mapAsync(GPUMapMode.READ).catch(() => undefined);
  try {
    waitForMap(staging);
    if (staging.mapState !== 'mapped') throw new Error('webgpu synchronous read: the GPU could not map the staging buffer (device lost?)');
  } catch (e) {
    // not returned to the pool: a buffer whose map is pending or failed cannot be mapped again
    staging.destroy();
    throw e;
  }
  const bytes = staging.getMappedRange().slice(0);
  staging.unmap();
  this.bufferManager.releaseBuffer(staging);
  return this.convertAndCacheOnCPU(dataId, tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype));
}

/** Gives tfjs-backend-webgpu's backend class the synchronous read above (after captureDawnTicks). */
export function enableSyncReads(backendClass: { prototype: object }): void {
  const proto = backendClass.prototype as Partial<BackendInternals>;
  for (const m of ['ensureCommandEncoderReady', 'endComputePassEncoder', 'submitQueue', 'convertAndCacheOnCPU'] as const) {
    if (typeof proto[m] !== 'function') throw new Error(`@tensorflow/tfjs-backend-webgpu has no ${m}: its version is not the one noiselab's synchronous read was written for (4.22)`);
  }
  (proto as BackendInternals).readSync = readSync;
}
