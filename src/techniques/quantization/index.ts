/** Quantization: symmetric uniform quantization and bit allocation by sensitivity. */
export * from './quantize.js';
