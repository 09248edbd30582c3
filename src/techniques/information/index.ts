export * from './binning.js';
