/**
 * Quantization: symmetric uniform quantization, HAWQ-V2's bit allocation under a model-size budget
 * (Pareto frontier of size and trace-weighted sensitivity), and quantization-aware fine-tuning with the
 * straight-through estimator.
 */
export * from './quantize.js';
export * from './pareto.js';
export * from './fake-quant.js';
