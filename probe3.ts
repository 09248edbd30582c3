import * as tf from '@tensorflow/tfjs';
import { initEngine } from './src/engine/backend.js';
import { workloads, timeWorkload } from './bench/workloads.js';
await initEngine({ quiet: true });
for (const w of workloads) console.log(tf.getBackend(), w.name, timeWorkload(w, tf.getBackend() === 'cpu' ? 2 : 10, 1).toFixed(1), 'ms');
