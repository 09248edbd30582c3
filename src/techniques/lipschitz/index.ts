export * from './conv-spectral.js';
