import * as tf from '@tensorflow/tfjs';
import { initEngine } from './src/engine/backend.js';
await initEngine({ quiet: true });
const stopGradient = tf.customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => ({ value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) }));
const lse = (q: tf.Tensor) => { const m = tf.tensor(tf.max(q, 1, true).dataSync(), [q.shape[0], 1]); return tf.log(tf.sum(tf.exp(tf.sub(q, m)), 1, true)).add(m); };
const z = tf.tensor2d([[0.1, 0.5, -0.3]]);
const t = tf.tensor2d([[0, 1, 0]]);
const ce = (q: tf.Tensor) => tf.sum(tf.mul(t, tf.sub(q, lse(q)))).neg();
try {
  const g = tf.grad(ce)(z);
  const h = tf.grad((q: tf.Tensor) => tf.grad(ce)(q).mul(tf.tensor2d([[1, 2, 3]])).sum())(z);
  // exact: H = diag(p) - p p^T, so H v
  const p = tf.softmax(z).dataSync(); const v = [1, 2, 3];
  const pv = p[0]*v[0]+p[1]*v[1]+p[2]*v[2];
  console.log('grad', Array.from(g.dataSync()).map(x=>x.toFixed(5)).join(','), 'Hv', Array.from(h.dataSync()).map(x=>x.toFixed(5)).join(','), 'exact', Array.from(p).map((pi,i)=>(pi*v[i]-pi*pv).toFixed(5)).join(','));
} catch (e) { console.log('FAIL', (e as Error).message.slice(0, 80)); }
